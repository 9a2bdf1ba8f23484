import type { PostView } from '../event-log/events';
import { keyEventLabel } from './key-event-label';
import type { SiteLinks } from './site-links';

/*
 * An entry as search engines, social previews and feed readers take it: a headline, plain text
 * and an image, read from its sanitized HTML (src/posts/markdown.ts makes every tag and
 * attribute of it, quoted alike, so a few patterns read it reliably).
 */

/** Google shows at most 110 characters of a headline (its Article structured data rules). */
export const HEADLINE_MAX = 110;

/** About what a search result or a preview card shows of a description. */
export const DESCRIPTION_MAX = 200;

/** Elements that end a line of text. */
const LINE_ENDING =
  /<\/?(?:p|br|hr|pre|blockquote|h[1-6]|ul|ol|li|table|thead|tbody|tr|figure)(?:\s[^>]*)?\/?>/gi;

/** A video's placeholder (see renderEmbed): its label reads "Play YouTube video"; its URL says what it is. */
const VIDEO_EMBED =
  /<figure class="embed-video"><a class="embed-video-play" href="([^"]*)"[^]*?<\/figure>/g;

const FIRST_IMAGE = /<img\s(?:[^>]*\s)?src="([^"]*)"/;

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
};

function decodeEntities(text: string): string {
  return text.replace(/&(?:#(\d{1,7})|#x([0-9a-f]{1,6})|([a-z]+));/gi, (entity, dec, hex, name) => {
    if (name !== undefined) return NAMED_ENTITIES[(name as string).toLowerCase()] ?? entity;
    const codePoint = dec !== undefined ? Number(dec) : parseInt(hex as string, 16);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : entity;
  });
}

/** An entry's HTML as plain text: one line per paragraph, heading, list item or table row. */
export function plainTextOf(html: string): string {
  const text = html
    // A line break in the markup is a space, but in a code block.
    .replace(/(<pre>[^]*?<\/pre>)|\s+/g, (_whitespace, code?: string) => code ?? ' ')
    .replace(VIDEO_EMBED, (_embed, href: string) => `\n${href}\n`)
    .replace(/<\/t[dh]>/gi, ' ')
    .replace(LINE_ENDING, '\n')
    .replace(/<[^>]*>/g, '');
  // Decoded last: an escaped "&lt;b&gt;" in the text is text, not a tag to remove.
  return decodeEntities(text)
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** `text` in at most `max` characters: cut at a word where one is near, then "…". */
export function clip(text: string, max: number): string {
  const characters = Array.from(text);
  if (characters.length <= max) return text;
  const kept = characters.slice(0, max - 1).join('');
  const wordEnd = kept.lastIndexOf(' ');
  return `${(wordEnd > kept.length / 2 ? kept.slice(0, wordEnd) : kept).trimEnd()}…`;
}

/** The entry's title, else its first words (as in the key events list), in 110 characters. */
export function headlineOf(post: Pick<PostView, 'id' | 'title' | 'body'>): string {
  return clip(keyEventLabel(post), HEADLINE_MAX);
}

/** The start of the entry's text, on one line: a preview's description. */
export function descriptionOf(html: string): string {
  return clip(plainTextOf(html).replace(/\n/g, ' '), DESCRIPTION_MAX);
}

/**
 * The absolute URL of the entry's first image: a photo uploaded here (`/media/…`, its largest
 * width) or an HTTPS image it links; null when it has none.
 */
export function imageOf(html: string, links: SiteLinks): string | null {
  const found = FIRST_IMAGE.exec(html)?.[1];
  if (found === undefined) return null;
  const src = decodeEntities(found);
  if (src.startsWith('/') && !src.startsWith('//')) return links.absolute(src);
  return src.startsWith('https://') ? src : null;
}
