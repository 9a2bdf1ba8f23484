import { firstFreeSlug, normalizeSlug, SLUG_MAX_LENGTH, SLUG_PATTERN, slugFromTitle } from './slug';

describe('slug', () => {
  describe(slugFromTitle.name, () => {
    it.each([
      ['Hello World', 'hello-world'],
      ['Live: Election Night 2026', 'live-election-night-2026'],
      ['Café Crème', 'cafe-creme'],
      ['Große Straße', 'grosse-strasse'],
      ['Cafe\u0301 (decomposed)', 'cafe-decomposed'],
      ['東京マラソン 2026', '東京マラソン-2026'],
      ['नमस्ते दुनिया', 'नमस्ते-दुनिया'],
      ['Привет Мир', 'privet-mir'],
      ['Rock & Roll', 'rock-and-roll'],
      // Outside the Basic Multilingual Plane, as documented: dropped.
      ['𠮷野家 Opening', '野家-opening'],
    ])('should turn %j into %j', (title, slug) => {
      expect(slugFromTitle(title)).toBe(slug);
    });

    it.each(['!!!', '🎉', '🎉🎉 — 🎉', '   ', ''])(
      'should fall back to "blog" for %j, which has no letters or digits',
      (title) => {
        expect(slugFromTitle(title)).toBe('blog');
      },
    );

    it('should drop emoji and punctuation around words', () => {
      expect(slugFromTitle('🎉 Party!!! 🎉')).toBe('party');
    });

    it('should separate words joined only by punctuation, as documented', () => {
      expect(slugFromTitle('Berlin/Paris')).toBe('berlin-paris');
    });

    it.each([
      ['a -- b', 'a-b'],
      ['a - - b', 'a-b'],
      ['a \t\n  b', 'a-b'],
      ['--a--', 'a'],
      [' - Leading and trailing - ', 'leading-and-trailing'],
    ])('should collapse separators in %j to single inner hyphens', (title, slug) => {
      expect(slugFromTitle(title)).toBe(slug);
    });

    it('should cap the slug at 80 characters', () => {
      const slug = slugFromTitle('word '.repeat(40));
      expect(slug).toHaveLength(SLUG_MAX_LENGTH - 1); // "word-…-word": 16 words, no cut hyphen
      expect(slug).toBe(Array(16).fill('word').join('-'));
    });

    it('should not end with a hyphen when the cap falls right after a word', () => {
      const title = `${'x'.repeat(SLUG_MAX_LENGTH)} tail`;
      expect(slugFromTitle(title)).toBe('x'.repeat(SLUG_MAX_LENGTH));
      expect(slugFromTitle(`${'x'.repeat(SLUG_MAX_LENGTH - 1)} tail`)).toBe(
        'x'.repeat(SLUG_MAX_LENGTH - 1),
      );
    });

    it.each([
      'Hello World',
      'Café Crème',
      'Straße',
      '東京マラソン 2026',
      'नमस्ते दुनिया',
      'Привет Мир',
      'Ελληνικά',
      '!!!',
      '🎉',
      'x '.repeat(100),
      'İstanbul ǅemal ΣΑΣ Ⅻ ½',
    ])('should give a slug matching SLUG_PATTERN for %j', (title) => {
      const slug = slugFromTitle(title);
      expect(slug).toMatch(SLUG_PATTERN);
      expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
    });

    it('should give a slug matching SLUG_PATTERN for a title holding any one BMP character', () => {
      const mismatches: string[] = [];
      for (let codePoint = 0; codePoint <= 0xffff; codePoint++) {
        if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue; // lone surrogates
        const character = String.fromCodePoint(codePoint);
        const slug = slugFromTitle(`live ${character}${character} blog`);
        if (!SLUG_PATTERN.test(slug)) mismatches.push(`U+${codePoint.toString(16)} → ${slug}`);
      }
      expect(mismatches).toEqual([]);
    });
  });

  describe(normalizeSlug.name, () => {
    it('should trim and lower-case', () => {
      expect(normalizeSlug('  My-Blog-2026 \n')).toBe('my-blog-2026');
    });

    it('should store decomposed accents in composed form', () => {
      expect(normalizeSlug('cafe\u0301')).toBe('caf\u00e9');
    });

    it('should lower-case other scripts too', () => {
      expect(normalizeSlug('ПРИВЕТ-МИР')).toBe('привет-мир');
    });

    it('should keep a normalized slug valid and unchanged', () => {
      const slug = normalizeSlug(' Tokyo-東京 ');
      expect(slug).toBe('tokyo-東京');
      expect(slug).toMatch(SLUG_PATTERN);
      expect(normalizeSlug(slug)).toBe(slug);
    });
  });

  describe(firstFreeSlug.name, () => {
    it('should return the base when it is free', () => {
      expect(firstFreeSlug('live', new Set(['other', 'live-2']))).toBe('live');
    });

    it('should append -2 when the base is taken', () => {
      expect(firstFreeSlug('live', new Set(['live']))).toBe('live-2');
    });

    it('should append -3 when the base and -2 are taken', () => {
      expect(firstFreeSlug('live', new Set(['live', 'live-2']))).toBe('live-3');
    });

    it('should keep counting past -9', () => {
      const taken = new Set(['live', ...Array.from({ length: 9 }, (_, i) => `live-${i + 2}`)]);
      expect(firstFreeSlug('live', taken)).toBe('live-11');
    });

    it('should shorten a full-length base so the suffix still fits in 80 characters', () => {
      const base = 'a'.repeat(SLUG_MAX_LENGTH);
      const slug = firstFreeSlug(base, new Set([base]));
      expect(slug).toBe(`${'a'.repeat(SLUG_MAX_LENGTH - 2)}-2`);
      expect(slug).toMatch(SLUG_PATTERN);
    });

    it('should not leave a double hyphen when shortening cuts right after a hyphen', () => {
      const base = `${'a'.repeat(SLUG_MAX_LENGTH - 3)}-bc`; // the cut for "-2" ends at the hyphen
      const slug = firstFreeSlug(base, new Set([base]));
      expect(slug).toBe(`${'a'.repeat(SLUG_MAX_LENGTH - 3)}-2`);
      expect(slug).toMatch(SLUG_PATTERN);
    });

    it('should keep long suffixes within 80 characters', () => {
      const base = slugFromTitle('word '.repeat(40));
      const taken = new Set([base]);
      for (let i = 0; i < 120; i++) taken.add(firstFreeSlug(base, taken));
      const slug = firstFreeSlug(base, taken);
      expect(slug).toMatch(/-122$/);
      expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
      expect(slug).toMatch(SLUG_PATTERN);
    });
  });
});
