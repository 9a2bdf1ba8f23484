/**
 * Cross-site scripting vectors for everything a user types that pages show: entry Markdown,
 * blog titles and descriptions, user names. Each vector that would run in a browser calls
 * `window.__xss(marker)` (or `alert(marker)`, `msgbox(marker)`), so a test that installs
 * `__xss` and watches for dialogs can tell which one got through.
 */
export interface XssVector {
  /** 1, 2, 3...: what the vector passes to `__xss()`, and its name in failure messages. */
  marker: number;
  /** What the vector tries. */
  name: string;
  /** The text as an editor would type it. */
  source: string;
  /**
   * Text a reader still sees in the rendered entry (markdown-it's typographer turns quotes
   * into curly ones, so none of these hold a quote): the entry is shown escaped, not dropped.
   */
  visible: string;
}

/** Longest user name, blog title and description the API takes (InviteUserDto, CreateBlogDto). */
export const NAME_MAX_LENGTH = 100;
export const TITLE_MAX_LENGTH = 200;
export const DESCRIPTION_MAX_LENGTH = 2000;

const base64 = (text: string) => Buffer.from(text).toString('base64');

/** [what it tries, the vector given its `__xss(n)` call and marker n, text still visible]. */
const VECTORS: ReadonlyArray<[string, (call: string, marker: number) => string, string]> = [
  // Raw HTML: markdown-it (html: false) must show it as text.
  ['script element', (call) => `<script>${call}</script>`, '<script>'],
  [
    'script with a data: source',
    (call) => `<SCRIPT SRC="data:text/javascript,${call}"></SCRIPT>`,
    '<SCRIPT SRC=',
  ],
  ['img onerror', (call) => `<img src=x onerror=${call}>`, '<img src=x onerror='],
  [
    'unclosed img onerror calling alert',
    (_call, marker) => `<img src=x onerror=alert(${marker})//`,
    '<img src=x',
  ],
  ['svg onload', (call) => `<svg onload=${call}>`, '<svg onload='],
  ['script inside svg', (call) => `<svg><script>${call}</script></svg>`, '<svg><script>'],
  [
    'svg animate onbegin',
    (call) => `<svg><animate onbegin=${call} attributeName=x dur=1s>`,
    '<svg><animate',
  ],
  [
    'svg link with xlink:href',
    (call) => `<svg><a xlink:href="javascript:${call}"><text y="20">svg link</text></a></svg>`,
    'svg link',
  ],
  ['raw a href javascript:', (call) => `<a href="javascript:${call}">raw link</a>`, 'raw link'],
  [
    'raw a href with an entity-encoded scheme',
    (call) => `<a href="&#x6A;avascript:${call}">entity link</a>`,
    'entity link',
  ],
  [
    'iframe src and srcdoc',
    (call) =>
      `<iframe src="javascript:${call}"></iframe><iframe srcdoc="<script>${call}</script>"></iframe>`,
    '<iframe src=',
  ],
  [
    'object and embed',
    (call) => `<object data="javascript:${call}"></object><embed src="javascript:${call}">`,
    '<object data=',
  ],
  [
    'style attribute with url() and expression()',
    (call) =>
      `<div style="background:url(javascript:${call});width:expression(${call})">styled</div>`,
    'styled',
  ],
  [
    'style element',
    (call) =>
      `<style>@import 'javascript:${call}';body{background:url(javascript:${call})}</style>`,
    '<style>@import',
  ],
  [
    'MathML mutation (mXSS)',
    (call) =>
      `<math><mtext><table><mglyph><style><img src=x onerror=${call}></style></mglyph></table></mtext></math>`,
    '<math><mtext>',
  ],
  [
    'MathML href',
    (call) => `<math href="javascript:${call}"><mi>math link</mi></math>`,
    'math link',
  ],
  ['template', (call) => `<template><img src=x onerror=${call}></template>`, '<template>'],
  [
    'meta refresh',
    (call) => `<meta http-equiv="refresh" content="0;url=javascript:${call}">`,
    '<meta http-equiv=',
  ],
  [
    'base href, then a relative link',
    (call) => `<base href="javascript:${call}//">\n\n[relative](relative/page)`,
    'relative',
  ],
  [
    'form action and button formaction',
    (call) =>
      `<form action="javascript:${call}"><button formaction="javascript:${call}">go</button></form>`,
    '<form action=',
  ],
  ['input autofocus onfocus', (call) => `<input autofocus onfocus=${call}>`, '<input autofocus'],
  [
    'details ontoggle calling alert',
    (_call, marker) => `<details open ontoggle=alert(${marker})>`,
    '<details open',
  ],
  ['nested broken tags', (call) => `<<script>${call}//<</script>`, '<<script>'],
  ['split tag name', (call) => `<scr<script>ipt>${call}</scr</script>ipt>`, '<scr<script>ipt>'],
  ['HTML comment trick', (call) => `<!--><img src=x onerror=${call}>-->`, '<img src=x onerror='],
  ['CDATA trick', (call) => `<![CDATA[><img src=x onerror=${call}>]]>`, '<![CDATA['],
  [
    'noscript mutation (mXSS)',
    (call) => `<noscript><p title="</noscript><img src=x onerror=${call}>">`,
    '<noscript><p title=',
  ],
  // Markdown links and images: markdown-it's link check, then the sanitizer's schemes.
  ['Markdown link javascript:', (call) => `[click me](javascript:${call})`, 'click me'],
  ['Markdown link mixed case scheme', (call) => `[mixed case](JaVaScRiPt:${call})`, 'mixed case'],
  [
    'Markdown link with a decimal entity scheme',
    (call) => `[decimal](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;${call})`,
    'decimal',
  ],
  [
    'Markdown link with a hex entity and &colon;',
    (call) => `[hex entity](&#x6A;avascript&colon;${call})`,
    'hex entity',
  ],
  [
    'Markdown link with a leading control character',
    (call) => `[control](\u0001javascript:${call})`,
    'control',
  ],
  ['Markdown link with a tab entity', (call) => `[tab](java&#x09;script:${call})`, 'tab'],
  [
    'Markdown link with a zero-width space',
    (call) => `[zero width](java\u200bscript:${call})`,
    'zero width',
  ],
  ['Markdown link in angle brackets', (call) => `[angle](<javascript:${call}>)`, 'angle'],
  ['Markdown link vbscript:', (_call, marker) => `[vb](vbscript:msgbox(${marker}))`, 'vb'],
  [
    'Markdown link data:text/html',
    (call) => `[data link](data:text/html;base64,${base64(`<script>${call}</script>`)})`,
    'data link',
  ],
  [
    'Markdown link javascript: in a heading',
    (call) => `# [heading link](javascript:${call})`,
    'heading link',
  ],
  ['Markdown image javascript:', (call) => `![picture](javascript:${call})`, 'picture'],
  [
    'Markdown image data: SVG with onload',
    (call) =>
      `![svg image](data:image/svg+xml;base64,${base64(`<svg xmlns="http://www.w3.org/2000/svg" onload="${call}"/>`)})`,
    'svg image',
  ],
  [
    'Markdown image with a quote in its URL',
    (call) => `Photo one ![q](https://example.com/a.png"onerror="${call})`,
    'Photo one',
  ],
  [
    'Markdown image with attributes in an angle-bracket URL',
    (call) => `Photo two ![q](<https://example.com/a.png" onerror="${call}>)`,
    'Photo two',
  ],
  [
    'Markdown image alt breaking out of its attribute',
    (call) => `Photo three ![" onerror="${call}](https://example.com/a.png)`,
    'Photo three',
  ],
  [
    'reference-style link',
    (call) => `[reference link][evil]\n\n[evil]: javascript:${call}`,
    'reference link',
  ],
  [
    'reference-style image',
    (call) => `![reference image][pic]\n\n[pic]: javascript:${call} "title"`,
    'reference image',
  ],
  ['autolink javascript:', (call) => `<javascript:${call}>`, 'javascript:'],
  ['autolink vbscript:', (_call, marker) => `<vbscript:msgbox(${marker})>`, 'vbscript:'],
  [
    'linkified bare URLs',
    (call) => `See javascript:${call} and www.example.com/"><script>${call}</script>`,
    'www.example.com',
  ],
  [
    'link title breaking out with a double quote',
    (call) => `[double title](https://example.com "\\" onmouseover=\\"${call}")`,
    'double title',
  ],
  [
    'link title breaking out with a single quote',
    (call) => `[single title](https://example.com 'x\\' onclick=\\'${call}')`,
    'single title',
  ],
  [
    'link title in parentheses with autofocus',
    (call) => `[paren title](https://example.com (x" autofocus onfocus="${call}))`,
    'paren title',
  ],
  [
    'HTML as link text',
    (call) => `[<img src=x onerror=${call}>](https://example.com)`,
    '<img src=x onerror=',
  ],
  [
    'HTML in a table cell',
    (call) => `| a |\n|---|\n| <img src=x onerror=${call}> |`,
    '<img src=x onerror=',
  ],
  ['HTML in bold', (call) => `**<img src=x onerror=${call}>**`, '<img src=x onerror='],
  ['HTML in a code span', (call) => `\`<script>${call}</script>\``, '<script>'],
  [
    'HTML in a fenced code block',
    (call) => `\`\`\`html\n<script>${call}</script>\n\`\`\``,
    '<script>',
  ],
  // Unicode tricks.
  ['zero-width space in a tag name', (call) => `<scr\u200bipt>${call}</scr\u200bipt>`, 'ipt>'],
  ['fullwidth angle brackets', (call) => `\uff1cscript\uff1e${call}\uff1c/script\uff1e`, 'script'],
  ['right-to-left override', (call) => `\u202e<img src=x onerror=${call}>`, '<img src=x onerror='],
  // Other contexts the text lands in: templates, attributes, title, textarea, the stream.
  [
    'Handlebars expression',
    (call) => `{{constructor.constructor('${call}')()}} {{{post.body}}} {{> entry}}`,
    '{{constructor.constructor(',
  ],
  ['textarea breakout', (call) => `</textarea><script>${call}</script>`, '</textarea><script>'],
  ['title breakout', (call) => `</title><script>${call}</script>`, '</title><script>'],
  ['double-quoted attribute breakout', (call) => `"><script>${call}</script>`, '><script>'],
  ['single-quoted attribute breakout', (call) => `' onmouseover='${call}' x='`, 'onmouseover='],
  [
    'unquoted attribute breakout',
    (call) => `x onmouseover=${call} autofocus onfocus=${call}`,
    'autofocus onfocus=',
  ],
  [
    'Server-Sent Events frame injection',
    (call) =>
      `line one\n\nevent: post\ndata: {"post":{"id":1,"html":"<img src=x onerror=${call}>"}}\n\n`,
    'event: post',
  ],
];

export const XSS_CORPUS: readonly XssVector[] = VECTORS.map(([name, make, visible], index) => {
  const marker = index + 1;
  return { marker, name, source: make(`__xss(${marker})`, marker), visible };
});
