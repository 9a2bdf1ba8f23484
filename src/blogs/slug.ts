import slugify from 'slugify';

export const SLUG_MAX_LENGTH = 80;

/** Letters and digits of any script, in words joined by single hyphens. */
export const SLUG_PATTERN = /^[\p{L}\p{M}\p{N}]+(?:-[\p{L}\p{M}\p{N}]+)*$/u;

// Punctuation separates words; '&' is left for slugify to spell out as "and".
const PUNCTUATION = /(?:(?!&)\p{P})+/gu;

/**
 * A URL slug for a title, lower-cased. slugify transliterates what its table knows (accented
 * Latin, Greek, Cyrillic, Arabic: "Café" → "cafe", "Straße" → "strasse"); other scripts keep
 * their letters ("東京マラソン" stays). Punctuation and spaces become single hyphens; characters
 * outside the Basic Multilingual Plane (emoji) are dropped. Never empty: a title with no
 * letters or digits gives "blog".
 */
export function slugFromTitle(title: string): string {
  const words = title.replace(PUNCTUATION, ' ');
  const slug = slugify(words, { lower: true, trim: true, remove: /[^\p{L}\p{M}\p{N}\s-]+/gu })
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, '');
  return slug || 'blog';
}

/** A slug someone typed, in the form it is stored and compared in. */
export function normalizeSlug(slug: string): string {
  return slug.trim().normalize('NFC').toLowerCase();
}

/** `base`, or `base-2`, `base-3`... whichever is not in `taken`; still at most 80 characters. */
export function firstFreeSlug(base: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? '' : `-${n}`;
    const candidate = base.slice(0, SLUG_MAX_LENGTH - suffix.length).replace(/-+$/, '') + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}
