import slugify from 'slugify';

export const SLUG_MAX_LENGTH = 80;

/** Lower-case letters and digits of any script, in words joined by single hyphens. */
export const SLUG_PATTERN =
  /^[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}]+(?:-[\p{Ll}\p{Lo}\p{Lm}\p{M}\p{N}]+)*$/u;

/**
 * A URL slug for a title: Latin letters lose their accents ("Café" → "cafe", "Straße" →
 * "strasse"), other scripts keep their letters ("東京マラソン" stays), everything else becomes
 * a hyphen. Never empty: a title with no letters or digits gives "blog".
 */
export function slugFromTitle(title: string): string {
  const slug = slugify(title, { lower: true, trim: true, remove: /[^\p{L}\p{M}\p{N}\s-]+/gu })
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
