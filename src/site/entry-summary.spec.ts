import { renderMarkdown } from '../posts/markdown';
import { clip, descriptionOf, headlineOf, imageOf, plainTextOf } from './entry-summary';
import { SiteLinks } from './site-links';

describe('entry summary', () => {
  const links = new SiteLinks('https://live.example.com');

  describe(plainTextOf.name, () => {
    it.each([
      ['**Goal!** 1-0 & "more" <b>raw</b>', 'Goal! 1-0 & “more” <b>raw</b>'],
      ['Line one\nline two\n\n- a\n- b\n\n> quoted', 'Line one\nline two\na\nb\nquoted'],
      ['| a | b |\n|---|---|\n| 1 | 2 |', 'a b\n1 2'],
      ['[the report](https://example.com/r) ![alt](https://example.com/a.png)', 'the report'],
      ['```\nif (a < b) {\n  go();\n}\n```', 'if (a < b) {\ngo();\n}'],
      [
        'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
        'https://www.youtube.com/watch?v=dQw4w9WgXcQ',
      ],
      ['https://bsky.app/profile/alice.bsky.social', 'Bluesky @alice.bsky.social'],
    ])('should read %p as plain text', (markdown, text) => {
      expect(plainTextOf(renderMarkdown(markdown))).toBe(text);
    });

    it('should read numeric entities and leave unknown ones', () => {
      expect(plainTextOf('<p>&#60;&#x3E; &nbsp;&bogus; &#99999999;</p>')).toBe(
        '<> &bogus; &#99999999;',
      );
    });
  });

  describe(clip.name, () => {
    it('should leave short text alone', () => {
      expect(clip('Short', 10)).toBe('Short');
    });

    it('should cut at a word within the limit, counting code points', () => {
      expect(clip('one two three four', 12)).toBe('one two…');
      expect(Array.from(clip('😀'.repeat(20), 10))).toHaveLength(10);
    });

    it('should cut inside a word when no word ends near', () => {
      expect(clip('a verylongwordwithoutanyspace', 12)).toBe('a verylongw…');
    });
  });

  describe(headlineOf.name, () => {
    it('should take the title, else the first words, in 110 characters', () => {
      expect(headlineOf({ id: 1, title: 'Goal', body: 'Text' })).toBe('Goal');
      expect(headlineOf({ id: 1, title: null, body: '**Kick-off** at three' })).toBe(
        'Kick-off at three',
      );
      expect(Array.from(headlineOf({ id: 1, title: 'x'.repeat(200), body: '' }))).toHaveLength(110);
    });
  });

  describe(descriptionOf.name, () => {
    it('should put the text on one line, in at most 200 characters', () => {
      const description = descriptionOf(renderMarkdown(`First.\n\n${'word '.repeat(100)}`));
      expect(description).toMatch(/^First\. word word .*…$/);
      expect(description.length).toBeLessThanOrEqual(200);
    });
  });

  describe(imageOf.name, () => {
    it('should make a photo of the site absolute', () => {
      expect(imageOf('<p><img src="/media/1-abc/960.jpg?a=1&amp;b=2" alt="" /></p>', links)).toBe(
        'https://live.example.com/media/1-abc/960.jpg?a=1&b=2',
      );
    });

    it('should take an HTTPS image as it is, and no other', () => {
      expect(imageOf('<img src="https://cdn.example/a.png" />', links)).toBe(
        'https://cdn.example/a.png',
      );
      expect(imageOf('<img src="http://cdn.example/a.png" />', links)).toBeNull();
      expect(imageOf('<img src="//cdn.example/a.png" />', links)).toBeNull();
      expect(imageOf('<p>No image</p>', links)).toBeNull();
    });

    it('should take the first of several', () => {
      expect(
        imageOf('<img alt="a" src="/media/1-a/1.png" /><img src="/media/2-b/2.png" />', links),
      ).toBe('https://live.example.com/media/1-a/1.png');
    });
  });
});
