import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { Media } from '../media/media.entity';
import { mediaFileUrl, storedWidths } from '../media/media-view';
import { type Embed, embedFor, isVideoPlayerUrl } from './embeds';

// Raw HTML in the source is shown as text, never passed through (html: false).
const markdown = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: true });

/**
 * What may reach a reader's page. The sanitizer is the second line of defence behind
 * markdown-it's own link checks: only these tags and attributes, only web and mail links.
 */
const SAFE_HTML: sanitizeHtml.IOptions = {
  allowedTags: [
    'p',
    'br',
    'hr',
    'strong',
    'em',
    'del',
    's',
    'code',
    'pre',
    'blockquote',
    'h1',
    'h2',
    'h3',
    'h4',
    'h5',
    'h6',
    'ul',
    'ol',
    'li',
    'a',
    'img',
    'picture',
    'source',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    'figure',
    'span',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'data-embed'],
    img: ['src', 'srcset', 'sizes', 'width', 'height', 'alt', 'title', 'loading', 'decoding'],
    source: ['type', 'srcset', 'sizes'],
    ol: ['start'],
  },
  // Only the embeds' own classes (see renderEmbed); no other class reaches a page.
  allowedClasses: {
    figure: ['embed-video'],
    a: ['embed-video-play', 'embed-card'],
    span: [
      'embed-video-button',
      'embed-video-label',
      'embed-video-notice',
      'embed-card-provider',
      'embed-card-name',
    ],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  selfClosing: [...sanitizeHtml.defaults.selfClosing, 'source'],
  transformTags: {
    // A player URL the page's script would frame must be on a player host, whatever made it.
    a: (tagName, { 'data-embed': player, ...attribs }) => ({
      tagName,
      attribs: {
        ...attribs,
        ...(player !== undefined && isVideoPlayerUrl(player) ? { 'data-embed': player } : {}),
        rel: 'noopener noreferrer',
      },
    }),
    img: sanitizeHtml.simpleTransform('img', { loading: 'lazy' }),
  },
};

/** The reader column is at most 46rem (736 px) wide, the whole screen below that. */
const PHOTO_SIZES = '(max-width: 46rem) 100vw, 46rem';

interface RenderEnv {
  media: ReadonlyMap<number, Media>;
}

const renderImage = markdown.renderer.rules.image!;

/** The src of a photo uploaded here: `/media/<id>`. */
const PHOTO_SRC = /^\/media\/(\d{1,9})$/;

/** The ids of the uploaded photos an entry's Markdown shows, as the renderer reads it. */
export function photoIdsIn(source: string): number[] {
  const ids = new Set<number>();
  const visit = (tokens: ReturnType<typeof markdown.parse>) => {
    for (const token of tokens) {
      const id =
        token.type === 'image' ? PHOTO_SRC.exec(token.attrGet('src') ?? '')?.[1] : undefined;
      if (id !== undefined) ids.add(Number(id));
      if (token.children) visit(token.children);
    }
  };
  visit(markdown.parse(source, {}));
  return [...ids];
}

/**
 * `![alt](/media/<id>)` of a photo uploaded here: each stored width as WebP and as the
 * fallback, the browser picks by screen; width and height reserve the space before the bytes
 * come, so an entry arriving live shifts nothing.
 */
markdown.renderer.rules.image = (tokens, index, options, env: RenderEnv, self) => {
  const token = tokens[index];
  const id = PHOTO_SRC.exec(token.attrGet('src') ?? '')?.[1];
  const media = id === undefined ? undefined : env.media?.get(Number(id));
  if (!media) return renderImage(tokens, index, options, env, self);
  const alt = self.renderInlineAsText(token.children ?? [], options, env) || media.alt;
  const srcset = (format: string) =>
    storedWidths(media)
      .map((width) => `${mediaFileUrl(media, width, format)} ${width}w`)
      .join(', ');
  return (
    `<picture><source type="image/webp" srcset="${srcset('webp')}" sizes="${PHOTO_SIZES}">` +
    `<img src="${mediaFileUrl(media, media.width, media.fallback)}" srcset="${srcset(media.fallback)}" ` +
    `sizes="${PHOTO_SIZES}" width="${media.width}" height="${media.height}" alt="${markdown.utils.escapeHtml(alt)}" ` +
    `decoding="async"></picture>`
  );
};

/**
 * A paragraph that is only a URL (bare, or as `<url>`; not a link with text of its own), at the
 * top level of the entry, becomes one `embed` token when embedFor() knows the URL.
 */
markdown.core.ruler.push('embeds', (state) => {
  const tokens = state.tokens;
  for (let index = 0; index + 2 < tokens.length; index++) {
    const [open, inline, close] = tokens.slice(index, index + 3);
    if (open.type !== 'paragraph_open' || open.level !== 0 || close.type !== 'paragraph_close') {
      continue;
    }
    const [linkOpen, text, linkClose, ...more] = inline.children ?? [];
    const isBareUrl =
      more.length === 0 &&
      linkOpen?.type === 'link_open' &&
      linkOpen.info === 'auto' &&
      text?.type === 'text' &&
      linkClose?.type === 'link_close';
    const embed = isBareUrl ? embedFor(linkOpen.attrGet('href') ?? '') : undefined;
    if (!embed) continue;
    const token = new state.Token('embed', '', 0);
    token.block = true;
    token.meta = embed;
    tokens.splice(index, 3, token);
  }
});

markdown.renderer.rules.embed = (tokens, index) => renderEmbed(tokens[index].meta as Embed);

/**
 * A video is a placeholder of the player's 16:9 size: a link to the video's page (what it is
 * without JavaScript), which public/js/video-embeds.js replaces by the player on a click.
 * Nothing is loaded from the provider before that, not even a thumbnail. A card is a link that
 * names the network and the account, with no script or image of theirs.
 */
function renderEmbed(embed: Embed): string {
  const escape = (text: string) => markdown.utils.escapeHtml(text);
  if (embed.kind === 'video') {
    const playerHost = new URL(embed.playerUrl).hostname.replace(/^www\./, '');
    return (
      `<figure class="embed-video"><a class="embed-video-play" href="${escape(embed.pageUrl)}" ` +
      `data-embed="${escape(embed.playerUrl)}"><span class="embed-video-button"></span>` +
      `<span class="embed-video-label">Play ${embed.provider} video</span> ` +
      `<span class="embed-video-notice">Playing loads it from ${playerHost}</span></a></figure>\n`
    );
  }
  return (
    `<p><a class="embed-card" href="${escape(embed.url)}">` +
    `<span class="embed-card-provider">${embed.provider}</span> ` +
    `<span class="embed-card-name">${escape(embed.name)}</span></a></p>\n`
  );
}

/**
 * An entry's Markdown as safe HTML, ready to be put in any page as it is. `media`: the photos
 * it shows (see EntryRenderer), rendered as responsive pictures.
 */
export function renderMarkdown(
  source: string,
  media: ReadonlyMap<number, Media> = new Map(),
): string {
  const env: RenderEnv = { media };
  return sanitizeEntryHtml(markdown.render(source, env)).trim();
}

/** What of `html` may reach a reader's page (SAFE_HTML): renderMarkdown's last step. */
export function sanitizeEntryHtml(html: string): string {
  return sanitizeHtml(html, SAFE_HTML);
}
