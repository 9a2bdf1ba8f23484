import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** The ids of the entries in a page, in page order. */
function entryIds(html: string): number[] {
  return [...html.matchAll(/<article class="entry[^"]*" id="post-(\d+)"/g)].map((match) =>
    Number(match[1]),
  );
}

const ESCAPES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#x27;': "'",
  '&#x60;': '`',
  '&#x3D;': '=',
  '&amp;': '&',
};

/** The value of the first attribute `name` in a page, as a browser reads it. */
function attributeValue(html: string, name: string): string | undefined {
  const escaped = new RegExp(`\\s${name}="([^"]*)"`).exec(html)?.[1];
  return escaped?.replace(/&(?:lt|gt|quot|#x27|#x60|#x3D|amp);/g, (escape) => ESCAPES[escape]);
}

describe('Reader pages', () => {
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  const page = (path: string) => request(testApp.url).get(path).set('Accept', 'text/html');

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    token = await createApiToken(
      await signIn(testApp, await createUser(testApp, { name: 'Lena Ward' })),
    );
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  describe('GET /', () => {
    it('should list live blogs first, with the time of their latest entry', async () => {
      const ended = await createBlog(testApp, token, { title: 'Yesterday' });
      const live = await createBlog(testApp, token, { title: 'Today' });
      await request(testApp.url)
        .patch(`/api/blogs/${ended.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'ended' })
        .expect(200);
      const { post } = await publishPost(testApp, token, live.slug);

      const response = await page('/').expect(200).expect('Content-Type', /html/);
      const todayAt = response.text.indexOf('Today');
      const yesterdayAt = response.text.indexOf('Yesterday');
      expect(todayAt).toBeGreaterThan(-1);
      expect(todayAt).toBeLessThan(yesterdayAt);
      expect(response.text).toContain(`Latest entry <time datetime="${post.createdAt}">`);
      expect(response.text).toContain('No entries yet');
    });
  });

  describe('GET /blogs/:slug', () => {
    it('should show entries newest first with pinned ones on top, and the stream cursor', async () => {
      const blog = await createBlog(testApp, token, { title: 'Derby' });
      const first = await publishPost(testApp, token, blog.slug, {
        body: 'Pinned *welcome*',
        pinned: true,
      });
      const second = await publishPost(testApp, token, blog.slug, { body: 'Goal', keyEvent: true });
      const third = await publishPost(testApp, token, blog.slug, { body: 'Half time' });

      const response = await page(`/blogs/${blog.slug}`).expect(200);
      expect(entryIds(response.text)).toEqual([first.post.id, third.post.id, second.post.id]);
      expect(response.text).toContain(`data-last-event-id="${third.eventId}"`);
      expect(response.text).toContain('<p>Pinned <em>welcome</em></p>');
      expect(response.text).toMatch(new RegExp(`id="post-${second.post.id}"[\\s\\S]*?Key event`));
      expect(response.text).toContain('Lena Ward');
      expect(response.text).toContain(`<time datetime="${third.post.createdAt}">`);
      // One script, the page's module by its fingerprinted URL, and nothing inline to run
      // (the JSON-LD data block is data: test/search-engines.e2e-spec.ts).
      expect(response.text.match(/<script\b(?! type="application\/ld\+json")[^>]*>/g)).toEqual([
        expect.stringMatching(
          /^<script type="module" src="\/static\/js\/reader\.js\?v=[0-9a-f]{12}">$/,
        ),
      ]);
      expect(response.text).toMatch(/reader\.js\?v=[0-9a-f]{12}"><\/script>/);
    });

    it('should carry the entry partial once more, as the template of live entries', async () => {
      const blog = await createBlog(testApp, token);
      const response = await page(`/blogs/${blog.slug}`).expect(200);
      const template = attributeValue(response.text, 'data-entry-template');
      // Every optional part, for the script to remove; no id, for the script to append.
      expect(template).toMatch(
        /^<article class="entry is-pinned is-key-event" id="post-" data-version="2">/,
      );
      expect(template).toContain(`<a class="entry-time" href="/blogs/${blog.slug}/posts/">`);
      expect(template).toContain('<span class="badge badge-pinned">Pinned</span>');
      expect(template).toContain('<span class="badge badge-key">Key event</span>');
      expect(template).toContain('<div class="entry-body"></div>');
      expect(template).toContain('<span class="entry-views" data-views="0">0 views</span>');
      expect(template).toContain('<span class="entry-edited">· edited</span>');
      expect(template).not.toContain('data-body');
      expect(entryIds(response.text)).toEqual([]);
    });

    it('should page older entries with a link that works without JavaScript', async () => {
      const blog = await createBlog(testApp, token);
      const ids: number[] = [];
      for (let i = 0; i < 23; i++) ids.push((await publishPost(testApp, token, blog.slug)).post.id);

      const latest = await page(`/blogs/${blog.slug}`).expect(200);
      expect(entryIds(latest.text)).toEqual(ids.slice(3).reverse());
      const olderUrl = /id="load-older" class="button" href="([^"]+)"/.exec(latest.text)?.[1];
      expect(olderUrl).toBe(`/blogs/${blog.slug}?before=${ids[3]}`);

      const older = await page(olderUrl!).expect(200);
      expect(entryIds(older.text)).toEqual(ids.slice(0, 3).reverse());
      expect(older.text).not.toContain('id="load-older"');
    });

    it('should show every pinned entry on the first page', async () => {
      const blog = await createBlog(testApp, token);
      const pinned: number[] = [];
      for (let i = 0; i < 12; i++)
        pinned.push((await publishPost(testApp, token, blog.slug, { pinned: true })).post.id);
      const plain = await publishPost(testApp, token, blog.slug);
      const response = await page(`/blogs/${blog.slug}`).expect(200);
      expect(entryIds(response.text)).toEqual([...pinned.reverse(), plain.post.id]);
    });

    it('should say when a blog has ended and when it has no entries', async () => {
      const blog = await createBlog(testApp, token);
      await request(testApp.url)
        .patch(`/api/blogs/${blog.slug}`)
        .auth(token, { type: 'bearer' })
        .send({ status: 'ended' })
        .expect(200);
      const response = await page(`/blogs/${blog.slug}`).expect(200);
      expect(response.text).toContain('This live blog has ended');
      expect(response.text).toContain('No entries yet');
      expect(response.text).toContain('data-last-event-id="0"');
    });

    it('should answer an HTML 404 page for an unknown blog, and 400 for a bad before', async () => {
      const missing = await page('/blogs/no-such-blog').expect(404).expect('Content-Type', /html/);
      expect(missing.text).toContain('Page not found');
      const blog = await createBlog(testApp, token);
      await page(`/blogs/${blog.slug}?before=abc`).expect(400);
    });
  });

  describe('GET /blogs/:slug/posts/:id', () => {
    it("should show one entry on its permalink page, and 404 for another blog's entry", async () => {
      const blog = await createBlog(testApp, token, { title: 'Keynote' });
      const other = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, blog.slug, {
        body: 'New **phone** announced',
      });
      const elsewhere = await publishPost(testApp, token, other.slug);

      const response = await page(`/blogs/${blog.slug}/posts/${post.id}`).expect(200);
      expect(entryIds(response.text)).toEqual([post.id]);
      expect(response.text).toContain('<p>New <strong>phone</strong> announced</p>');
      expect(response.text).toContain(`href="/blogs/${blog.slug}"`);
      await page(`/blogs/${blog.slug}/posts/${elsewhere.post.id}`).expect(404);
      await page(`/blogs/${blog.slug}/posts/abc`).expect(400);
    });
  });

  describe('static files', () => {
    it('should serve the CSS and the reader script', async () => {
      await request(testApp.url)
        .get('/static/css/site.css')
        .expect(200)
        .expect('Content-Type', /css/);
      await request(testApp.url)
        .get('/static/js/reader.js')
        .expect(200)
        .expect('Content-Type', /javascript/);
      await request(testApp.url).get('/static/').expect(404);
    });

    it('should serve the modules the page scripts import, revalidated as they have no fingerprint', async () => {
      for (const name of ['blog-stream.js', 'entry-lists.js', 'key-events.js']) {
        await request(testApp.url)
          .get(`/static/js/${name}`)
          .expect(200)
          .expect('Content-Type', /javascript/)
          .expect('Cache-Control', 'no-cache');
      }
    });
  });
});
