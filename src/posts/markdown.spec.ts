import { dirname } from 'node:path';
import type { ChildNode, Element } from 'domhandler';
import { renderMarkdown } from './markdown';

/**
 * The parser sanitize-html itself uses. The top-level `htmlparser2` (v12, pulled in by
 * @types/sanitize-html) is ESM-only and cannot be loaded by Jest's CommonJS runtime.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { parseDocument } = require(
  require.resolve('htmlparser2', { paths: [dirname(require.resolve('sanitize-html'))] }),
) as typeof import('htmlparser2');

const words = (list: string) => new Set(list.split(/\s+/));

const FORBIDDEN_TAGS = words(`script iframe frame frameset object embed applet style svg math
  form input button textarea select meta base link template noscript`);
/** Attributes that run code, load something or restyle the page; href and src are checked below. */
const FORBIDDEN_ATTRIBUTES = words(`style srcset action formaction xlink:href background poster
  data dynsrc lowsrc codebase http-equiv`);
const SCHEMES: Record<string, string[]> = {
  href: ['http', 'https', 'mailto'],
  src: ['http', 'https'],
};

function elementsOf(nodes: ChildNode[]): Element[] {
  return nodes.flatMap((node) =>
    'attribs' in node
      ? [node, ...elementsOf(node.children)]
      : 'children' in node
        ? elementsOf(node.children)
        : [],
  );
}

function textOf(nodes: ChildNode[]): string {
  return nodes
    .map((node) =>
      (node.type as string) === 'text' && 'data' in node
        ? node.data
        : 'children' in node
          ? textOf(node.children)
          : '',
    )
    .join('');
}

/**
 * A URL as a browser reads it: entities are already decoded by the parser; tabs, newlines,
 * other control characters and spaces are dropped (browsers strip or ignore them).
 */
function cleanUrl(url: string): string {
  return url.replace(
    // eslint-disable-next-line no-control-regex -- control characters are what is removed
    /[\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff]/g,
    '',
  );
}

/** Whether a browser would load the URL with one of `schemes` or relative to the page. */
function isAllowedUrl(url: string, schemes: string[]): boolean {
  const cleaned = cleanUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(cleaned)?.[1].toLowerCase();
  if (scheme !== undefined) return schemes.includes(scheme);
  return !/^[/\\]{2}/.test(cleaned); // not protocol-relative ("//host", "\\host")
}

/** Every way the HTML could run script or leave the allowed schemes, as readable findings. */
function dangersIn(html: string): string[] {
  const dangers: string[] = [];
  for (const element of elementsOf(parseDocument(html).children)) {
    const tag = element.name.toLowerCase();
    if (FORBIDDEN_TAGS.has(tag)) dangers.push(`<${tag}>`);
    for (const [rawName, value] of Object.entries(element.attribs)) {
      const name = rawName.toLowerCase();
      if (name.startsWith('on') || FORBIDDEN_ATTRIBUTES.has(name)) dangers.push(`${tag}[${name}]`);
      if (!(name in SCHEMES)) continue;
      if (!isAllowedUrl(value, tag === 'img' ? SCHEMES.src : SCHEMES[name])) {
        dangers.push(`${tag}[${name}=${JSON.stringify(value)}]`);
      }
    }
  }
  return dangers;
}

const visibleText = (html: string) => textOf(parseDocument(html).children);

describe(renderMarkdown.name, () => {
  describe('Markdown', () => {
    it('should render emphasis', () => {
      expect(renderMarkdown('*em* **strong** ~~gone~~')).toBe(
        '<p><em>em</em> <strong>strong</strong> <s>gone</s></p>',
      );
    });

    it('should render lists, keeping an ordered list start', () => {
      expect(renderMarkdown('- a\n- b\n\n3. c')).toBe(
        '<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start="3">\n<li>c</li>\n</ol>',
      );
    });

    it('should render headings, quotes, rules and tables', () => {
      const html = renderMarkdown('# Title\n\n> quote\n\n---\n\n| a |\n|---|\n| 1 |');
      expect(html).toContain('<h1>Title</h1>');
      expect(html).toContain('<blockquote>\n<p>quote</p>\n</blockquote>');
      expect(html).toContain('<hr />');
      expect(html).toContain('<td>1</td>');
    });

    it('should render a line break for a single newline', () => {
      expect(renderMarkdown('one\ntwo')).toBe('<p>one<br />\ntwo</p>');
    });

    it('should add rel="noopener noreferrer" to links', () => {
      expect(renderMarkdown('[site](https://example.com/a "Title")')).toBe(
        '<p><a href="https://example.com/a" title="Title" rel="noopener noreferrer">site</a></p>',
      );
    });

    it('should link bare web and mail addresses', () => {
      expect(renderMarkdown('see https://example.com or me@example.com')).toBe(
        '<p>see <a href="https://example.com" rel="noopener noreferrer">https://example.com</a>' +
          ' or <a href="mailto:me@example.com" rel="noopener noreferrer">me@example.com</a></p>',
      );
    });

    it('should add loading="lazy" to images', () => {
      expect(renderMarkdown('![A cat](https://example.com/cat.png)')).toBe(
        '<p><img src="https://example.com/cat.png" alt="A cat" loading="lazy" /></p>',
      );
    });

    it('should escape HTML inside code blocks and inline code', () => {
      expect(renderMarkdown('```html\n<b>"x" & y</b>\n```')).toBe(
        '<pre><code>&lt;b&gt;"x" &amp; y&lt;/b&gt;\n</code></pre>',
      );
      expect(renderMarkdown('`<i>`')).toBe('<p><code>&lt;i&gt;</code></p>');
    });

    it('should show raw HTML as text', () => {
      expect(renderMarkdown('<b>bold</b>')).toBe('<p>&lt;b&gt;bold&lt;/b&gt;</p>');
    });
  });

  describe('the XSS checks of these tests', () => {
    it.each([
      ['<script>alert(1)</script>', '<script>'],
      ['<p onclick="alert(1)">x</p>', 'p[onclick]'],
      ['<p style="color: red">x</p>', 'p[style]'],
      ['<a href="&#106;avascript:alert(1)">x</a>', 'a[href="javascript:alert(1)"]'],
      ['<a href="java&#x09;script&colon;alert(1)">x</a>', 'a[href="java\\tscript:alert(1)"]'],
      ['<a href=" \u0001JavaScript:alert(1)">x</a>', 'a[href=" \\u0001JavaScript:alert(1)"]'],
      ['<a href="//evil.example">x</a>', 'a[href="//evil.example"]'],
      ['<img src="mailto:a@example.com">', 'img[src="mailto:a@example.com"]'],
      ['<svg><a xlink:href="javascript:alert(1)">x</a></svg>', '<svg>'],
    ])('should find the danger in %s', (html, danger) => {
      expect(dangersIn(html)).toContain(danger);
    });

    it('should find nothing in safe HTML', () => {
      const html =
        '<p><a href="https://a.example/x" rel="noopener">a</a> <a href="/relative">b</a>' +
        ' <a href="mailto:a@example.com">c</a> <img src="http://a.example/i.png" /></p>';
      expect(dangersIn(html)).toEqual([]);
      expect(visibleText(html)).toBe('a b c ');
    });
  });

  describe('XSS', () => {
    it.each([
      // OWASP XSS Filter Evasion Cheat Sheet
      ['script tag', '<script>alert(1)</script>'],
      ['script with src', '<SCRIPT SRC=https://xss.example/xss.js></SCRIPT>'],
      ['img onerror', '<img src=x onerror=alert(1)>'],
      ['img javascript: src', `<IMG SRC="javascript:alert('XSS');">`],
      [
        'img entity-encoded src',
        '<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#49;&#41;>',
      ],
      ['malformed img', '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">'],
      ['extraneous open bracket', '<<SCRIPT>alert("XSS");//<</SCRIPT>'],
      ['svg onload', '<svg onload=alert(1)>'],
      ['script inside svg', '<svg><script>alert(1)</script></svg>'],
      ['iframe', '<iframe src="javascript:alert(1)"></iframe>'],
      ['a href javascript:', '<a href="javascript:alert(1)">x</a>'],
      ['a with onclick', '<a href="https://example.com" onclick="alert(1)">x</a>'],
      ['body onload', '<body onload=alert(1)>'],
      ['details ontoggle', '<details open ontoggle=alert(1)>'],
      ['style tag', `<style>@import 'https://xss.example/x.css';</style>`],
      ['style attribute', '<div style="background-image:url(javascript:alert(1))">x</div>'],
      ['object', '<object data="javascript:alert(1)"></object>'],
      ['embed', '<embed src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">'],
      ['meta refresh', '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">'],
      ['form action', '<form action="javascript:alert(1)"><button>x</button></form>'],
      ['base href', '<base href="javascript:alert(1)//">'],
      ['link stylesheet', '<link rel=stylesheet href="javascript:alert(1)">'],
      ['math href', '<math href="javascript:alert(1)">x</math>'],
      ['math mutation', '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>'],
      ['conditional comment', '<!--[if gte IE 4]><script>alert(1)</script><![endif]-->'],
      ['HTML after a link', '[x](https://example.com)<script>alert(1)</script>'],
      // Markdown links and images
      ['javascript: link', '[x](javascript:alert(1))'],
      ['mixed-case javascript: link', '[x](jAvAsCrIpT:alert(1))'],
      ['decimal entity javascript: link', '[x](&#106;avascript:alert(1))'],
      ['hex entity javascript: link', '[x](&#x6A;avascript&#x3A;alert(1))'],
      ['&colon; javascript: link', '[x](JaVaScRiPt&colon;alert(1))'],
      ['tab in javascript: link', '[x](java\tscript:alert(1))'],
      ['tab in bracketed javascript: link', '[x](<java\tscript:alert(1)>)'],
      ['newline entity in javascript: link', '[x](java&#10;script:alert(1))'],
      ['javascript: link with title', '[x](javascript:alert(1) "title")'],
      ['data:text/html link', '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
      ['vbscript: link', '[x](vbscript:msgbox(1))'],
      ['file: link', '[x](file:///etc/passwd)'],
      ['protocol-relative link', '[x](//evil.example/)'],
      ['javascript: image', '![x](javascript:alert(1))'],
      ['data:image/svg+xml image', '![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)'],
      ['data:image/png image', '![x](data:image/png;base64,iVBORw0KGgo=)'],
      ['mailto: image', '![x](mailto:a@example.com)'],
      ['javascript: reference link', '[x][1]\n\n[1]: javascript:alert(1)'],
      ['bracketed javascript: reference link', '[x][1]\n\n[1]: <javascript:alert(1)>'],
      ['javascript: autolink', '<javascript:alert(1)>'],
      ['vbscript: autolink', '<VBSCRIPT:msgbox(1)>'],
      ['bare javascript: text', 'javascript:alert(1)'],
      [
        'title breaking out of its attribute',
        '[x](https://example.com "\\" onmouseover=\\"alert(1)")',
      ],
      ['alt breaking out of its attribute', '![x" onerror="alert(1)](https://example.com/a.png)'],
      ['URL breaking out of its attribute', '[x](https://example.com/"onmouseover="alert(1))'],
    ])('should render the %s vector inert', (_name, vector) => {
      const html = renderMarkdown(`before\n\n${vector}\n\nafter`);
      expect(dangersIn(html)).toEqual([]);
      expect(visibleText(html)).toMatch(/^before\b[\s\S]*\bafter$/);
      expect(dangersIn(renderMarkdown(vector))).toEqual([]);
      expect(renderMarkdown(vector)).not.toBe('');
    });
  });
});
