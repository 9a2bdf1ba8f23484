import { xmlText } from './xml-text';

describe(xmlText.name, () => {
  it('should escape markup and quotes', () => {
    expect(xmlText(`<a href="x">Tom & 'Jerry'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; &apos;Jerry&apos;&lt;/a&gt;',
    );
  });

  it('should drop what XML 1.0 cannot hold, keeping tabs, line breaks and whole emoji', () => {
    expect(xmlText('a\u0000b\u0008c\td\ne\rf\ufffeg\ud800h😀')).toBe('abc\td\ne\rfgh😀');
  });
});
