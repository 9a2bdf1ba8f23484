import { dirname } from 'node:path';
import request from 'supertest';
import { ApiTokensService } from '../src/auth/api-tokens.service';
import type { User } from '../src/auth/user.entity';
import {
  createApiToken,
  createUser,
  PASSWORD,
  publishPost,
  signIn,
  SignedInClient,
} from './support/factories';
import { keyEventLabel } from '../src/site/key-event-label';
import { RawSseReader, streamUrl } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';
import {
  DESCRIPTION_MAX_LENGTH,
  NAME_MAX_LENGTH,
  TITLE_MAX_LENGTH,
  XSS_CORPUS,
  XssVector,
} from './support/xss-corpus';

/**
 * htmlparser2 as sanitize-html loads it (v10, CommonJS): the top-level v12 is ESM-only, which
 * Jest's CommonJS runtime cannot load (as in src/posts/markdown.spec.ts). The same API.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DomUtils, parseDocument } = require(
  require.resolve('htmlparser2', { paths: [dirname(require.resolve('sanitize-html'))] }),
) as typeof import('htmlparser2');

type Document = ReturnType<typeof parseDocument>;
type Element = ReturnType<typeof DomUtils.findAll>[number];

interface Post {
  id: number;
  title: string | null;
  body: string;
  html: string;
  author: { id: number; name: string };
}

/** One vector as stored everywhere it fits, with what the server answered and streamed. */
interface StoredVector {
  vector: XssVector;
  blog: { slug: string; title: string; description: string };
  /** The user name the entry's author was given: the vector when it fits. */
  authorName: string;
  post: Post;
  /** The `post` and `update` events of the entry, as a reader's stream got them. */
  streamed: { post: Post; update: Post };
  /** The composer's preview of the vector (POST /api/preview), which admin.js inserts. */
  previewHtml: string;
  /** The entry as GET /api/blogs/:slug/posts gives it to "Load older entries". */
  listedHtml: string;
}

/** Elements no page may hold at all: none of them is in a template, none is safe from users. */
const FORBIDDEN_ELEMENTS = new Set([
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'svg',
  'math',
  'base',
  'template',
  'style',
  'noscript',
  'portal',
  'isindex',
]);

/** Attributes a browser loads or navigates to. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'action',
  'formaction',
  'xlink:href',
  'data',
  'poster',
  'background',
  'codebase',
  'cite',
  'lowsrc',
  'dynsrc',
  'ping',
  'srcset',
  'manifest',
  'longdesc',
  'usemap',
  'profile',
  'icon',
  'archive',
  'classid',
]);

/** Schemes that run code or make a document of the attacker's (no data: images are allowed). */
const SCRIPTABLE_SCHEME = /^(?:javascript|vbscript|livescript|data):/;

/** What an entry's HTML may hold: src/posts/markdown.ts's allowlist, checked from outside. */
const ENTRY_ATTRIBUTES: Record<string, readonly string[]> = {
  p: [],
  br: [],
  hr: [],
  strong: [],
  em: [],
  del: [],
  s: [],
  code: [],
  pre: [],
  blockquote: [],
  h1: [],
  h2: [],
  h3: [],
  h4: [],
  h5: [],
  h6: [],
  ul: [],
  ol: ['start'],
  li: [],
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'loading'],
  table: [],
  thead: [],
  tbody: [],
  tr: [],
  th: [],
  td: [],
};
const ENTRY_SCHEMES: Record<string, readonly string[]> = {
  href: ['http', 'https', 'mailto'],
  src: ['http', 'https'],
};

/** A URL as a browser reads its scheme: no spaces or control characters anywhere, any case. */
function normalizeUrl(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
}

function describeElement(element: Element): string {
  return DomUtils.getOuterHTML(element).slice(0, 160);
}

function elements(root: Document | Element): Element[] {
  return DomUtils.findAll(() => true, root.children);
}

function hasClass(element: Element, name: string): boolean {
  return (element.attribs.class ?? '').split(/\s+/).includes(name);
}

function isInsideEntry(element: Element): boolean {
  for (let node = element.parent; node; node = node.parent) {
    if ('name' in node && node.name === 'article') return true;
  }
  return false;
}

/**
 * A JSON-LD data block, which browsers never run: its text one JSON value, holding no `<`
 * (written as \u003c), so no `</script>` in the data could end the element early.
 */
function isJsonLd(element: Element): boolean {
  const { type, src } = element.attribs;
  if (type !== 'application/ld+json' || src !== undefined) return false;
  const text = DomUtils.textContent(element);
  try {
    JSON.parse(text);
  } catch {
    return false;
  }
  return !text.includes('<');
}

/** A canonical or feed link to the test app itself (listening on the loopback address). */
function isLinkToSite(element: Element): boolean {
  return (
    ['canonical', 'alternate'].includes(element.attribs.rel) &&
    /^http:\/\/127\.0\.0\.1:\d+\//.test(element.attribs.href ?? '')
  );
}

/**
 * Whatever in a page (or a fragment of one) could run script or take the reader elsewhere:
 * script other than the app's own files, event handler and style attributes, scriptable URLs,
 * frames, plugins, SVG, MathML, base, meta refresh, forms other than the admin's own.
 */
function activeContent(root: Document): string[] {
  const problems: string[] = [];
  for (const element of elements(root)) {
    const { name, attribs } = element;
    const where = describeElement(element);
    if (FORBIDDEN_ELEMENTS.has(name)) problems.push(`a <${name}> element: ${where}`);
    if (name === 'script') {
      const ownFile = /^\/static\//.test(attribs.src ?? '') && element.children.length === 0;
      if (!ownFile && !isJsonLd(element)) {
        problems.push(`a script that is not one of the app's files: ${where}`);
      }
    }
    if (name === 'link' && !/^\/static\//.test(attribs.href ?? '') && !isLinkToSite(element)) {
      problems.push(`a link to something other than the app's files: ${where}`);
    }
    if (name === 'form' && (isInsideEntry(element) || !/^\/admin(?:\/|$)/.test(attribs.action))) {
      problems.push(`a form that is not one of the admin's: ${where}`);
    }
    for (const [attribute, value] of Object.entries(attribs)) {
      if (attribute.startsWith('on')) problems.push(`an event handler ${attribute}: ${where}`);
      if (['style', 'srcdoc', 'http-equiv'].includes(attribute)) {
        problems.push(`a ${attribute} attribute: ${where}`);
      }
      if (URL_ATTRIBUTES.has(attribute) && SCRIPTABLE_SCHEME.test(normalizeUrl(value))) {
        problems.push(`a scriptable URL in ${attribute}: ${where}`);
      }
    }
  }
  return problems;
}

/** Anything in an entry's rendered HTML outside the sanitizer's allowlist. */
function entryHtmlProblems(entryElements: Element[]): string[] {
  const problems: string[] = [];
  for (const element of entryElements) {
    const where = describeElement(element);
    const allowed = ENTRY_ATTRIBUTES[element.name];
    if (!allowed) {
      problems.push(`a <${element.name}> element in an entry: ${where}`);
      continue;
    }
    for (const [attribute, value] of Object.entries(element.attribs)) {
      if (!allowed.includes(attribute)) {
        problems.push(`a ${attribute} attribute in an entry: ${where}`);
        continue;
      }
      const schemes = ENTRY_SCHEMES[attribute];
      if (!schemes) continue;
      const url = normalizeUrl(value);
      const scheme = /^([a-z][a-z0-9+.-]*):/.exec(url)?.[1];
      if (url.startsWith('//') || (scheme !== undefined && !schemes.includes(scheme))) {
        problems.push(`a ${attribute} to ${JSON.stringify(value)} in an entry: ${where}`);
      }
    }
  }
  return problems;
}

/** Problems of a whole page: its active content, and its entries' HTML against the allowlist. */
function pageProblems(document: Document): string[] {
  const entryBodies = DomUtils.findAll(
    (element) => hasClass(element, 'entry-body') && isInsideEntry(element),
    document.children,
  );
  return [...activeContent(document), ...entryHtmlProblems(entryBodies.flatMap(elements))];
}

/** Problems of an entry's `html` as the stream and the API hand it to the pages' scripts. */
function fragmentProblems(html: string): string[] {
  const fragment = parseDocument(html);
  return [...activeContent(fragment), ...entryHtmlProblems(elements(fragment))];
}

function byId(document: Document, id: string): Element {
  const element = DomUtils.getElementById(id, document.children);
  if (!element) throw new Error(`No element with id ${id}`);
  return element;
}

function byClass(root: Document | Element, name: string): Element[] {
  return DomUtils.findAll((element) => hasClass(element, name), root.children);
}

function textOf(node: Parameters<typeof DomUtils.textContent>[0]): string {
  return DomUtils.textContent(node);
}

function squashSpaces(text: string): string {
  return text.replace(/\s+/g, ' ');
}

/** The page's JSON-LD scripts, parsed. */
function jsonLdOf(document: Document): Array<Record<string, any>> {
  return DomUtils.findAll(
    (element) => element.name === 'script' && element.attribs.type === 'application/ld+json',
    document.children,
  ).map((element) => JSON.parse(textOf(element)) as Record<string, any>);
}

function titleOf(document: Document): string {
  return textOf(DomUtils.getElementsByTagName('title', document.children));
}

describe('The inertness check of this suite', () => {
  it.each([
    '<script>__xss(1)</script>',
    '<script src="/static/js/reader.js">__xss(1)</script>',
    '<script src="https://evil.example/x.js"></script>',
    '<img src=x onerror=__xss(1)>',
    '<a href=" java\tscript:__xss(1)">x</a>',
    '<a href="&#x6A;avascript:__xss(1)">x</a>',
    '<a href="data:text/html,&lt;script&gt;__xss(1)&lt;/script&gt;">x</a>',
    '<img src="data:image/svg+xml,&lt;svg onload=__xss(1)&gt;">',
    '<a href="ftp://example.com/">x</a>',
    '<img src="//evil.example/x.png">',
    '<a href="https://example.com" class="button">x</a>',
    '<svg><a xlink:href="javascript:__xss(1)">x</a></svg>',
    '<iframe srcdoc="&lt;script&gt;__xss(1)&lt;/script&gt;"></iframe>',
    '<meta http-equiv="refresh" content="0;url=javascript:__xss(1)">',
    '<base href="https://evil.example/">',
    '<form action="https://evil.example/"><button>go</button></form>',
    '<p style="background:url(https://evil.example/)">x</p>',
    '<div>x</div>',
    '<script type="application/ld+json">{"a": 1}; __xss(1)</script>',
    '<script type="application/ld+json" src="https://evil.example/x.js"></script>',
    '<link rel="canonical" href="https://evil.example/">',
    '<link rel="stylesheet" href="http://127.0.0.1:3000/x.css">',
  ])('should find %s active or outside the allowlist', (html) => {
    expect(fragmentProblems(html)).not.toEqual([]);
  });

  it('should find nothing in the pages’ own JSON-LD and canonical link', () => {
    const head =
      '<script type="application/ld+json">{"headline":"\\u003c/script\\u003e"}</script>' +
      '<link rel="canonical" href="http://127.0.0.1:3000/blogs/x">';
    expect(activeContent(parseDocument(head))).toEqual([]);
  });

  it('should find nothing in what the renderer makes of ordinary Markdown', () => {
    expect(
      fragmentProblems(
        '<p><a href="https://example.com" title="t" rel="noopener noreferrer">x</a> ' +
          '<img src="https://example.com/a.png" alt="a" loading="lazy" /></p>' +
          '<ol start="3"><li><a href="mailto:a@example.com">a</a> <a href="page#x">b</a></li></ol>',
      ),
    ).toEqual([]);
  });
});

describe('XSS corpus (security issue 6): user input comes out inert on every page', () => {
  let dataDir: string;
  let testApp: TestApp;
  let admin: SignedInClient;
  let adminToken: string;
  const stored = new Map<number, StoredVector>();
  const storedVector = (vector: XssVector) => stored.get(vector.marker)!;

  const page = (path: string) => request(testApp.url).get(path).set('Accept', 'text/html');
  const adminPage = (path: string) => admin.agent.get(path).set('Accept', 'text/html');
  const parse = (response: { text: string }) => parseDocument(response.text);

  /**
   * A user whose name is the vector, added through the admin's form. Their API token is made
   * in-process: signing in for each of them would hit the sign-in rate limit (10 a minute).
   */
  async function inviteAuthor(vector: XssVector): Promise<string> {
    const email = `xss${vector.marker}@example.test`;
    await admin.agent
      .post('/admin/users')
      .type('form')
      .send({
        _csrf: admin.csrfToken,
        email,
        name: vector.source,
        role: 'editor',
        password: PASSWORD,
      })
      .expect(303);
    const [{ id }] = await testApp.database.query<Array<{ id: number }>>(
      'SELECT id FROM users WHERE email = ?',
      [email],
    );
    const { secret } = await testApp.app.get(ApiTokensService).create({ id } as User, 'xss corpus');
    return secret;
  }

  /** Stores the vector as a user name, blog title, description and entry, wherever it fits. */
  async function store(vector: XssVector): Promise<StoredVector> {
    const text = vector.source.trim();
    const fitsName = text.length > 0 && text.length <= NAME_MAX_LENGTH;
    const token = fitsName ? await inviteAuthor(vector) : adminToken;
    const blogResponse = await request(testApp.url)
      .post('/api/blogs')
      .auth(adminToken, { type: 'bearer' })
      .send({
        title:
          text.length > 0 && text.length <= TITLE_MAX_LENGTH
            ? vector.source
            : `Vector ${vector.marker}`,
        description: text.length <= DESCRIPTION_MAX_LENGTH ? vector.source : '',
      })
      .expect(201);
    const blog = blogResponse.body.blog as StoredVector['blog'];

    const stream = await RawSseReader.connect(streamUrl(testApp, blog.slug));
    let post: Post;
    let streamed: StoredVector['streamed'];
    try {
      post = (await publishPost(testApp, token, blog.slug, { body: vector.source })).post as Post;
      const edit = await request(testApp.url)
        .patch(`/api/blogs/${blog.slug}/posts/${post.id}`)
        .auth(token, { type: 'bearer' })
        .send({ keyEvent: true })
        .expect(200);
      await stream.waitForId(edit.body.eventId as number);
      const [published, updated] = stream.entryEvents.map(
        (event) => (JSON.parse(event.data) as { post: Post }).post,
      );
      streamed = { post: published, update: updated };
    } finally {
      stream.close();
    }

    const preview = await request(testApp.url)
      .post('/api/preview')
      .auth(token, { type: 'bearer' })
      .send({ body: vector.source })
      .expect(200);
    const listed = await request(testApp.url).get(`/api/blogs/${blog.slug}/posts`).expect(200);
    return {
      vector,
      blog,
      authorName: fitsName ? text : post.author.name,
      post,
      streamed,
      previewHtml: preview.body.html as string,
      listedHtml: (listed.body.posts as Post[])[0].html,
    };
  }

  beforeAll(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, { API_WRITE_RATE_LIMIT: '100000' });
    const adminUser = await createUser(testApp, {
      role: 'admin',
      name: 'Ada "><img src=x onerror=__xss(0)>',
    });
    admin = await signIn(testApp, adminUser);
    adminToken = await createApiToken(admin);
    for (const vector of XSS_CORPUS) stored.set(vector.marker, await store(vector));
  }, 300_000);

  afterAll(async () => {
    await testApp?.close();
    removeDataDir(dataDir);
  });

  it('should hold at least 30 vectors, stored as names, titles and entries exactly as given', () => {
    expect(XSS_CORPUS.length).toBeGreaterThanOrEqual(30);
    expect(new Set(XSS_CORPUS.map((vector) => vector.source)).size).toBe(XSS_CORPUS.length);
    const names = [...stored.values()].filter(
      ({ vector }) => vector.source.trim().length <= NAME_MAX_LENGTH,
    );
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const { vector, blog, post, streamed, authorName } of stored.values()) {
      expect(post.body).toBe(vector.source);
      expect(streamed.post.body).toBe(vector.source);
      expect(streamed.post.author.name).toBe(authorName);
      if (vector.source.trim().length <= TITLE_MAX_LENGTH) {
        expect(blog.title).toBe(vector.source.trim());
      }
      expect(blog.description).toBe(vector.source.trim());
    }
  });

  describe('GET /blogs/:slug (reader page)', () => {
    it.each(XSS_CORPUS)(
      'should show vector $marker ($name) as inert text in the title, description, entry and author',
      async (vector) => {
        const { blog, post, authorName } = storedVector(vector);
        const document = parse(await page(`/blogs/${blog.slug}`).expect(200));
        expect(pageProblems(document)).toEqual([]);
        expect(titleOf(document)).toBe(`${blog.title} · Liveblog`);
        expect(textOf(byClass(document, 'blog-title'))).toBe(blog.title);
        expect(textOf(byClass(document, 'blog-description'))).toBe(blog.description);
        // The structured data holds the vector as data, whole, inside its one script.
        const [liveBlog, ...more] = jsonLdOf(document);
        expect(more).toEqual([]);
        expect(liveBlog.liveBlogUpdate[0].author.name).toBe(authorName);
        expect(liveBlog.liveBlogUpdate[0].url).toMatch(new RegExp(`/posts/${post.id}$`));
        const entry = byId(document, `post-${post.id}`);
        expect(textOf(byClass(entry, 'entry-body'))).toContain(vector.visible);
        expect(textOf(byClass(entry, 'entry-author'))).toBe(authorName);
      },
    );
  });

  describe('GET /blogs/:slug/posts/:id (permalink page)', () => {
    it.each(XSS_CORPUS)(
      'should show vector $marker ($name) as inert text in the entry, author and blog link',
      async (vector) => {
        const { blog, post, authorName } = storedVector(vector);
        const document = parse(await page(`/blogs/${blog.slug}/posts/${post.id}`).expect(200));
        expect(pageProblems(document)).toEqual([]);
        expect(titleOf(document)).toBe(`${keyEventLabel(post)} · ${blog.title} · Liveblog`);
        const [posting] = jsonLdOf(document);
        expect(posting.author).toEqual({ '@type': 'Person', name: authorName });
        expect(posting.isPartOf.url).toMatch(new RegExp(`/blogs/${blog.slug}$`));
        expect(textOf(byClass(document, 'breadcrumb'))).toBe(`← ${blog.title}`);
        const entry = byId(document, `post-${post.id}`);
        expect(textOf(byClass(entry, 'entry-body'))).toContain(vector.visible);
        // Whitespace aside: this page's standalone `{{> entry}}` indents every line of it.
        expect(squashSpaces(textOf(byClass(entry, 'entry-author')))).toBe(squashSpaces(authorName));
      },
    );
  });

  describe('GET /admin/blogs/:slug (composer)', () => {
    it.each(XSS_CORPUS)(
      'should show vector $marker ($name) inert, and give the editor its source back exactly',
      async (vector) => {
        const { blog, post, authorName } = storedVector(vector);
        const document = parse(await adminPage(`/admin/blogs/${blog.slug}`).expect(200));
        expect(pageProblems(document)).toEqual([]);
        expect(titleOf(document)).toBe(`${blog.title} · Liveblog`);
        expect(textOf(byClass(document, 'blog-title'))).toBe(blog.title);
        const entry = byId(document, `post-${post.id}`);
        expect(entry.attribs['data-body']).toBe(vector.source);
        expect(textOf(byClass(entry, 'entry-body'))).toContain(vector.visible);
        expect(textOf(byClass(entry, 'entry-author'))).toBe(authorName);
        expect(textOf(byClass(document, 'admin-nav-user'))).toBe(admin.user.name);
      },
    );
  });

  describe('entry HTML that the pages insert with script', () => {
    it.each(XSS_CORPUS)(
      'should stream, list and preview vector $marker ($name) as allowlisted HTML only',
      (vector) => {
        const { streamed, listedHtml, previewHtml, post } = storedVector(vector);
        expect(fragmentProblems(streamed.post.html)).toEqual([]);
        expect(fragmentProblems(streamed.update.html)).toEqual([]);
        expect(fragmentProblems(listedHtml)).toEqual([]);
        expect(fragmentProblems(previewHtml)).toEqual([]);
        expect(fragmentProblems(post.html)).toEqual([]);
        expect(textOf(parseDocument(streamed.post.html).children)).toContain(vector.visible);
      },
    );
  });

  describe('pages listing many vectors at once', () => {
    it('should list every title and description inert on the home page', async () => {
      const document = parse(await page('/').expect(200));
      expect(pageProblems(document)).toEqual([]);
      const titles = byClass(document, 'blog-card-title').map((element) => textOf(element));
      const descriptions = byClass(document, 'blog-card-description').map((element) =>
        textOf(element),
      );
      for (const { blog } of stored.values()) {
        expect(titles).toContain(blog.title);
        expect(descriptions).toContain(blog.description);
      }
    });

    it('should list every title inert on the admin dashboard', async () => {
      const document = parse(await adminPage('/admin').expect(200));
      expect(pageProblems(document)).toEqual([]);
      const titles = byClass(document, 'admin-blog-title').map((element) => textOf(element));
      for (const { blog } of stored.values()) expect(titles).toContain(blog.title);
    });

    it('should list every user name inert on the admin users page', async () => {
      const document = parse(await adminPage('/admin/users').expect(200));
      expect(pageProblems(document)).toEqual([]);
      const names = DomUtils.getElementsByTagName('strong', document.children).map((element) =>
        textOf(element),
      );
      for (const { authorName } of stored.values()) expect(names).toContain(authorName);
    });
  });

  describe('input reflected from the URL', () => {
    it.each(XSS_CORPUS)(
      'should keep vector $marker ($name) inert as the sign-in page next and as an unknown slug',
      async (vector) => {
        const login = parse(
          await page(`/admin/login?next=${encodeURIComponent(vector.source)}`).expect(200),
        );
        expect(activeContent(login)).toEqual([]);
        const missing = await page(`/blogs/${encodeURIComponent(vector.source)}`);
        expect([400, 404]).toContain(missing.status);
        expect(activeContent(parse(missing))).toEqual([]);
      },
    );
  });
});
