import { randomBytes } from 'node:crypto';
import { Script } from 'node:vm';
import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { DomUtils, parseDocument } from './support/html-parser';
import { RawSseReader, streamUrl } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * The embed page and embed.js over HTTP: what other sites frame and load, who may frame it,
 * and how its readers' views count without a cookie. The browser side (resizing, live
 * entries, framing refused) is test/browser/embed.browser-spec.ts.
 */

const READER_COOKIE = 'liveblog_reader';

function setCookies(response: request.Response): string[] {
  const header: string | string[] = response.headers['set-cookie'] ?? [];
  return [header].flat();
}

function frameAncestors(response: request.Response): string | undefined {
  const policy = String(response.headers['content-security-policy']);
  return policy.match(/frame-ancestors ([^;]*)/)?.[1];
}

describe('Embedding a blog on other sites', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;
  let token: string;
  let slug: string;

  beforeAll(async () => {
    testApp = await pool.start({ TRUST_PROXY: 'loopback' });
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
  });

  afterAll(() => pool.closeAll());

  describe('GET /blogs/:slug/embed', () => {
    it("should show the blog's entries and stream without the site's header and footer", async () => {
      const first = await publishPost(testApp, token, slug, { body: 'Kick-off' });
      const second = await publishPost(testApp, token, slug, { body: 'Goal!' });
      await publishPost(testApp, token, slug, { body: 'Not yet', status: 'draft' });

      const response = await request(testApp.url).get(`/blogs/${slug}/embed`).expect(200);

      const document = parseDocument(response.text);
      const byTag = (name: string) => DomUtils.getElementsByTagName(name, document);
      expect(byTag('header').some((e) => e.attribs.class === 'site-header')).toBe(false);
      expect(response.text).not.toContain('site-footer');
      expect(byTag('h1').map((e) => DomUtils.textContent(e))).toEqual(['Cup final']);
      const entryIds = byTag('article').map((e) => e.attribs.id);
      expect(entryIds).toEqual([`post-${second.post.id}`, `post-${first.post.id}`]);
      const stream = DomUtils.getElementById('stream', document)!;
      expect(stream.attribs).toMatchObject({
        'data-stream-url': `/blogs/${slug}/events`,
        'data-last-event-id': String(second.eventId),
        'data-embedded': 'true',
      });
      // Links open in the embedding page's window; search engines index the blog page instead.
      expect(byTag('base').map((e) => e.attribs)).toEqual([{ target: '_top' }]);
      const robots = byTag('meta').find((e) => e.attribs.name === 'robots');
      expect(robots?.attribs.content).toBe('noindex');
      const scripts = byTag('script').map((e) => e.attribs.src);
      expect(scripts.some((src) => src.startsWith('/static/js/embed-frame.js?v='))).toBe(true);
      expect(scripts.some((src) => src.startsWith('/static/js/reader.js?v='))).toBe(true);
    });

    it('should read oldest first too, its order and paging links staying in the frame', async () => {
      const { slug: longSlug } = await createBlog(testApp, token, { title: 'A long day' });
      const ids: number[] = [];
      for (let i = 0; i < 21; i++) ids.push((await publishPost(testApp, token, longSlug)).post.id);

      const response = await request(testApp.url)
        .get(`/blogs/${longSlug}/embed?order=oldest`)
        .expect(200);

      const document = parseDocument(response.text);
      const entryIds = DomUtils.getElementsByTagName('article', document).map((e) => e.attribs.id);
      expect(entryIds).toEqual(ids.slice(0, 20).map((id) => `post-${id}`));
      const links = DomUtils.getElementsByTagName('a', document)
        .filter((a) => /reading-order-link|button/.test(a.attribs.class ?? ''))
        .map((a) => ({ href: a.attribs.href, target: a.attribs.target }));
      expect(links).toEqual([
        { href: `/blogs/${longSlug}/embed`, target: '_self' },
        { href: `/blogs/${longSlug}/embed?order=oldest`, target: '_self' },
        { href: `/blogs/${longSlug}/embed?order=oldest&after=${ids[19]}`, target: '_self' },
      ]);
      const next = await request(testApp.url)
        .get(`/blogs/${longSlug}/embed?order=oldest&after=${ids[19]}`)
        .expect(200);
      expect(next.text).toContain(`id="post-${ids[20]}"`);
      await request(testApp.url).get(`/blogs/${longSlug}/embed?order=sideways`).expect(400);

      // The blog page's own links stay plain.
      const page = await request(testApp.url).get(`/blogs/${longSlug}?order=oldest`).expect(200);
      expect(page.text).toContain(`href="/blogs/${longSlug}?order=oldest&amp;after=${ids[19]}">`);
    });

    it('should be 404 for an unknown blog and 400 for a bad page cursor, like the blog page', async () => {
      await request(testApp.url).get('/blogs/no-such-blog/embed').expect(404);
      await request(testApp.url).get(`/blogs/${slug}/embed?before=abc`).expect(400);
    });

    it('should let any site frame it by default, while every other page keeps its own', async () => {
      const embed = await request(testApp.url).get(`/blogs/${slug}/embed`).expect(200);
      expect(frameAncestors(embed)).toBe('*');
      expect(embed.headers['x-frame-options']).toBeUndefined();
      // A site isolated by Cross-Origin-Embedder-Policy may frame it too.
      expect(embed.headers['cross-origin-resource-policy']).toBe('cross-origin');

      const page = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
      expect(frameAncestors(page)).toBe("'self'");
      expect(page.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(page.headers['cross-origin-resource-policy']).toBe('same-origin');
    });

    it('should give readers a cookie that works in a frame over HTTPS, first-party over HTTP', async () => {
      const overHttp = await request(testApp.url).get(`/blogs/${slug}/embed`).expect(200);
      const [plain] = setCookies(overHttp).filter((c) => c.startsWith(`${READER_COOKIE}=`));
      expect(plain).toMatch(/; HttpOnly/);
      expect(plain).toMatch(/; SameSite=Lax/);

      // Behind a TLS-terminating proxy (trusted: loopback): SameSite=None needs Secure, and
      // partitioned, the browser keeps it per embedding site.
      const overHttps = await request(testApp.url)
        .get(`/blogs/${slug}/embed`)
        .set('X-Forwarded-Proto', 'https')
        .expect(200);
      const [framed] = setCookies(overHttps).filter((c) => c.startsWith(`${READER_COOKIE}=`));
      expect(framed).toMatch(/; HttpOnly/);
      expect(framed).toMatch(/; Secure/);
      expect(framed).toMatch(/; SameSite=None/);
      expect(framed).toMatch(/; Partitioned/);
    });
  });

  describe('EMBED_ORIGINS', () => {
    it('should let only the given origins (and the site itself) frame the embed page', async () => {
      const strict = await pool.start({ EMBED_ORIGINS: 'https://news.example.com' });
      const strictToken = await createApiToken(await signIn(strict, await createUser(strict)));
      const { slug: strictSlug } = await createBlog(strict, strictToken);

      const embed = await request(strict.url).get(`/blogs/${strictSlug}/embed`).expect(200);
      expect(frameAncestors(embed)).toBe("'self' https://news.example.com");
      const page = await request(strict.url).get(`/blogs/${strictSlug}`).expect(200);
      expect(frameAncestors(page)).toBe("'self'");
    });

    it("should let nobody frame it with 'none'", async () => {
      const closed = await pool.start({ EMBED_ORIGINS: "'none'" });
      const closedToken = await createApiToken(await signIn(closed, await createUser(closed)));
      const { slug: closedSlug } = await createBlog(closed, closedToken);

      const embed = await request(closed.url).get(`/blogs/${closedSlug}/embed`).expect(200);
      expect(frameAncestors(embed)).toBe("'none'");
    });
  });

  describe('GET /embed.js', () => {
    it('should be a script any site may load, cached for an hour, with no cookie', async () => {
      const response = await request(testApp.url).get('/embed.js').expect(200);

      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=3600');
      expect(response.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expect(response.headers['set-cookie']).toBeUndefined();
      expect(response.text).toContain('liveblog:resize');
      // A classic script that parses (compiled, not run).
      expect(() => new Script(response.text)).not.toThrow();
    });

    it('should answer a repeated conditional request with 304 and no body', async () => {
      const first = await request(testApp.url).get('/embed.js').expect(200);
      const etag = first.headers.etag;
      expect(etag).toBeTruthy();

      const again = await request(testApp.url).get('/embed.js').set('If-None-Match', etag);

      expect(again.status).toBe(304);
      expect(again.text).toBeFalsy();
    });
  });

  describe('the snippet on the dashboard', () => {
    const snippetOf = (html: string, blogSlug: string) =>
      DomUtils.getElementById(`embed-${blogSlug}`, parseDocument(html))?.attribs.value;

    it("should give each blog's line to paste, with the site's own address", async () => {
      const editor = await signIn(testApp, await createUser(testApp));
      const dashboard = await editor.agent.get('/admin').accept('text/html').expect(200);

      expect(snippetOf(dashboard.text, slug)).toBe(
        `<script src="${testApp.url}/embed.js" data-blog="${slug}" async></script>`,
      );
    });

    it('should use PUBLIC_URL when set, whatever address the editor came by', async () => {
      const behindProxy = await pool.start({ PUBLIC_URL: 'https://live.example.com' });
      const editor = await signIn(behindProxy, await createUser(behindProxy));
      const { slug: blogSlug } = await createBlog(behindProxy, await createApiToken(editor));

      const dashboard = await editor.agent.get('/admin').accept('text/html').expect(200);

      expect(snippetOf(dashboard.text, blogSlug)).toBe(
        `<script src="https://live.example.com/embed.js" data-blog="${blogSlug}" async></script>`,
      );
    });
  });

  describe("an embedded reader's views, without a cookie", () => {
    const report = (body: Record<string, unknown>) =>
      request(testApp.url).post(`/blogs/${slug}/views`).send(body);

    it('should count the id the embed page sends, once per reader and entry', async () => {
      const { post } = await publishPost(testApp, token, slug);
      const stream = await RawSseReader.connect(streamUrl(testApp, slug));
      try {
        const readerId = randomBytes(16).toString('base64url');
        const otherReaderId = randomBytes(16).toString('base64url');

        await report({ postIds: [post.id], readerId }).expect(204);
        await report({ postIds: [post.id], readerId }).expect(204);
        await report({ postIds: [post.id], readerId: otherReaderId }).expect(204);

        await stream.waitForViews(post.id, 2);
        const { body } = await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200);
        expect(body.posts.find((p: { id: number }) => p.id === post.id).views).toBe(2);
      } finally {
        stream.close();
      }
    });

    it('should prefer the reader cookie to the id in the body', async () => {
      const { post } = await publishPost(testApp, token, slug);
      const stream = await RawSseReader.connect(streamUrl(testApp, slug));
      try {
        const cookie = `${READER_COOKIE}=${randomBytes(16).toString('base64url')}`;
        for (const readerId of [1, 2].map(() => randomBytes(16).toString('base64url'))) {
          await report({ postIds: [post.id], readerId })
            .set('Cookie', cookie)
            .expect(204);
        }
        await stream.waitForViews(post.id, 1);
        const { body } = await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200);
        expect(body.posts.find((p: { id: number }) => p.id === post.id).views).toBe(1);
      } finally {
        stream.close();
      }
    });

    it.each([
      ['too short', 'abc'],
      ['not base64url', `${'a'.repeat(21)}!`],
      ['a number', 12345],
    ])('should refuse a readerId that is %s with a 400 naming it', async (_, readerId) => {
      const { body } = await report({ postIds: [1], readerId }).expect(400);
      expect(body.message).toEqual([expect.stringContaining('readerId')]);
    });

    it('should refuse a report with neither cookie nor readerId', async () => {
      const { body } = await report({ postIds: [1] }).expect(400);
      expect(body.message).toMatch(/reader cookie or readerId/);
    });
  });
});
