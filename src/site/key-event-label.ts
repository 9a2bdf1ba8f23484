import type { PostView } from '../event-log/events';

/**
 * The text of an entry in the reader page's "Key events" list: its title, else the first
 * words of its Markdown. The page's script labels entries that change live by the same rule
 * (`keyEventLabel` in public/js/key-events.js): change both together; the browser spec
 * test/browser/key-events.browser-spec.ts checks that they agree.
 */
const LABEL_WORDS = 10;
const LABEL_CHARACTERS = 80;

export type LabelledEntry = Pick<PostView, 'id' | 'body' | 'title'>;

export function keyEventLabel(entry: LabelledEntry): string {
  const title = entry.title?.trim();
  if (title) return title;
  const words = plainText(entry.body).split(/\s+/).filter(Boolean);
  let label = words.slice(0, LABEL_WORDS).join(' ');
  let cut = words.length > LABEL_WORDS;
  const characters = Array.from(label);
  if (characters.length > LABEL_CHARACTERS) {
    const kept = characters.slice(0, LABEL_CHARACTERS).join('');
    const wordEnd = kept.lastIndexOf(' ');
    // One word longer than the limit (a pasted link) is cut inside the word.
    label = wordEnd > 0 ? kept.slice(0, wordEnd) : kept;
    cut = true;
  }
  if (!label) return `Entry ${entry.id}`;
  return cut ? `${label}…` : label;
}

/** Markdown less its punctuation: links and images as their text, no markers or emphasis. */
function plainText(markdown: string): string {
  return (
    markdown
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<((?:https?|mailto):[^>\s]*)>/g, '$1')
      .replace(/^[ \t]*(?:[-*_=][ \t]*){3,}$/gm, '')
      .replace(/^(?:[ \t]*(?:#{1,6}[ \t]|>|[-+*][ \t]|\d{1,9}[.)][ \t]))+/gm, '')
      // An underscore inside a word (snake_case) is not emphasis in Markdown: it stays.
      .replace(/[*~`]+|(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
  );
}
