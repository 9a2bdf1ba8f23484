import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { Media } from '../media/media.entity';
import { mediaFileUrl, storedWidths } from '../media/media-view';

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
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel'],
    img: ['src', 'srcset', 'sizes', 'width', 'height', 'alt', 'title', 'loading', 'decoding'],
    source: ['type', 'srcset', 'sizes'],
    ol: ['start'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  selfClosing: [...sanitizeHtml.defaults.selfClosing, 'source'],
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }),
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
 * An entry's Markdown as safe HTML, ready to be put in any page as it is. `media`: the photos
 * it shows (see EntryRenderer), rendered as responsive pictures.
 */
export function renderMarkdown(
  source: string,
  media: ReadonlyMap<number, Media> = new Map(),
): string {
  const env: RenderEnv = { media };
  return sanitizeHtml(markdown.render(source, env), SAFE_HTML).trim();
}
