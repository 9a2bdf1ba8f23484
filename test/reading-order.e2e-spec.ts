import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** The ids of the entries in a page, in page order. */
function entryIds(html: string): number[] {
  return [...html.matchAll(/<article class="entry[^"]*" id="post-(\d+)"/g)].map((match) =>
    Number(match[1]),
  );
}

/** The href of the link with this id, as a browser reads it (`&amp;` is `&`). */
function linkOf(html: string, id: string): string | undefined {
  return new RegExp(`id="${id}" class="button" href="([^"]+)"`)
    .exec(html)?.[1]
    .replace(/&amp;/g, '&');
}

/** The reading order links of a page: their text, href and whether it is the current one. */
function orderLinks(html: string): Array<{ text: string; href: string; current: boolean }> {
  return [
    ...html.matchAll(
      /<a class="reading-order-link" href="([^"]+)"( aria-current="true")?>([^<]+)<\/a>/g,
    ),
  ].map(([, href, current, text]) => ({ text, href, current: Boolean(current) }));
}

describe('Reading order', () => {
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  const page = (path: string) => request(testApp.url).get(path).set('Accept', 'text/html');
  const api = () => request(testApp.url);

  // One app for the file: each test reads a blog of its own.
  beforeAll(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
  });

  afterAll(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  /** `count` published entries, oldest first, and a draft among them that no reader sees. */
  async function publishEntries(
    slug: string,
    count: number,
    pinnedAt: number[] = [],
  ): Promise<{ ids: number[]; pinned: number[]; draftId: number; lastEventId: number }> {
    const ids: number[] = [];
    const pinned: number[] = [];
    let lastEventId = 0;
    let draftId = 0;
    for (let i = 0; i < count; i++) {
      if (i === 5) {
        draftId = (await publishPost(testApp, token, slug, { status: 'draft' })).post.id;
      }
      const { post, eventId } = await publishPost(testApp, token, slug, {
        body: `Entry ${i + 1}`,
        pinned: pinnedAt.includes(i),
      });
      (pinnedAt.includes(i) ? pinned : ids).push(post.id);
      lastEventId = eventId;
    }
    return { ids, pinned, draftId, lastEventId };
  }

  describe('GET /blogs/:slug?order=oldest', () => {
    it('should show the oldest entries first under the pinned ones, and page newer ones with links', async () => {
      const blog = await createBlog(testApp, token);
      // 45 entries, two of them pinned (one on the first page's span, one on the last's).
      const { ids, pinned, draftId, lastEventId } = await publishEntries(blog.slug, 45, [3, 40]);
      expect(ids).toHaveLength(43);

      const first = await page(`/blogs/${blog.slug}?order=oldest`).expect(200);
      expect(entryIds(first.text)).toEqual([...pinned, ...ids.slice(0, 20)]);
      expect(first.text).toContain('data-order="oldest"');
      expect(first.text).toContain(`data-last-event-id="${lastEventId}"`);
      expect(first.text).not.toContain('id="load-older"');
      expect(first.text).not.toContain('Back to the first entries');
      const second = linkOf(first.text, 'load-newer');
      expect(second).toBe(`/blogs/${blog.slug}?order=oldest&after=${ids[19]}`);

      const middle = await page(second!).expect(200);
      expect(entryIds(middle.text)).toEqual(ids.slice(20, 40));
      expect(middle.text).toContain(`href="/blogs/${blog.slug}?order=oldest">Back to the first`);
      const third = linkOf(middle.text, 'load-newer');
      expect(third).toBe(`/blogs/${blog.slug}?order=oldest&after=${ids[39]}`);

      const last = await page(third!).expect(200);
      expect(entryIds(last.text)).toEqual(ids.slice(40));
      expect(last.text).not.toContain('id="load-newer"');

      // Every published entry once across the pages, the pinned ones on top of the first.
      const shown = [first, middle, last].flatMap((response) => entryIds(response.text));
      expect(new Set(shown).size).toBe(shown.length);
      expect([...shown].sort((a, b) => a - b)).toEqual([...ids, ...pinned].sort((a, b) => a - b));
      expect(shown).not.toContain(draftId);
    });

    it('should end the first page without a link when all entries fit on it', async () => {
      const blog = await createBlog(testApp, token);
      const { ids } = await publishEntries(blog.slug, 20);
      const response = await page(`/blogs/${blog.slug}?order=oldest`).expect(200);
      expect(entryIds(response.text)).toEqual(ids);
      expect(response.text).not.toContain('id="load-newer"');
    });

    it('should keep the newest first by default and with order=newest', async () => {
      const blog = await createBlog(testApp, token);
      const { ids } = await publishEntries(blog.slug, 3);
      for (const path of [`/blogs/${blog.slug}`, `/blogs/${blog.slug}?order=newest`]) {
        const response = await page(path).expect(200);
        expect(entryIds(response.text)).toEqual([...ids].reverse());
        expect(response.text).toContain('data-order="newest"');
        expect(response.text).not.toContain('id="load-newer"');
      }
    });

    it('should offer both orders as links, the current one marked', async () => {
      const blog = await createBlog(testApp, token);
      const newest = await page(`/blogs/${blog.slug}`).expect(200);
      expect(newest.text).toContain('<nav class="reading-order" aria-label="Reading order">');
      expect(orderLinks(newest.text)).toEqual([
        { text: 'Newest first', href: `/blogs/${blog.slug}`, current: true },
        { text: 'Oldest first', href: `/blogs/${blog.slug}?order=oldest`, current: false },
      ]);
      const oldest = await page(`/blogs/${blog.slug}?order=oldest`).expect(200);
      expect(orderLinks(oldest.text)).toEqual([
        { text: 'Newest first', href: `/blogs/${blog.slug}`, current: false },
        { text: 'Oldest first', href: `/blogs/${blog.slug}?order=oldest`, current: true },
      ]);
    });

    it.each([
      ['order=sideways', 'order must be newest or oldest'],
      ['order=', 'order must be newest or oldest'],
      ['order=OLDEST', 'order must be newest or oldest'],
      ['order=oldest&after=abc', 'after must be a positive integer'],
      ['order=oldest&after=0', 'after must be a positive integer'],
      ['order=oldest&after=0x3', 'after must be a positive integer'],
      ['after=3', 'after pages entries oldest first: use it with order'],
      ['order=newest&after=3', 'after pages entries oldest first: use it with order'],
      ['order=oldest&before=3', 'before pages entries newest first: with order'],
    ])('should answer 400 with an error page for ?%s', async (query, message) => {
      const blog = await createBlog(testApp, token);
      const response = await page(`/blogs/${blog.slug}?${query}`)
        .expect(400)
        .expect('Content-Type', /html/);
      expect(response.text.replace(/&#x3D;/g, '=')).toContain(message);
    });
  });

  describe('GET /api/blogs/:slug/posts?order=oldest', () => {
    it('should list the entries oldest first and page them with after', async () => {
      const blog = await createBlog(testApp, token);
      const { ids, pinned, draftId, lastEventId } = await publishEntries(blog.slug, 7, [2]);
      const all = [...ids, ...pinned].sort((a, b) => a - b);

      const first = await api().get(`/api/blogs/${blog.slug}/posts?order=oldest&limit=3`);
      expect(first.status).toBe(200);
      // Pinned entries in their place: the API has no top.
      expect(first.body.posts.map((post: { id: number }) => post.id)).toEqual(all.slice(0, 3));
      expect(first.body.lastEventId).toBe(lastEventId);

      const rest = await api()
        .get(`/api/blogs/${blog.slug}/posts?order=oldest&after=${all[2]}&limit=100`)
        .expect(200);
      expect(rest.body.posts.map((post: { id: number }) => post.id)).toEqual(all.slice(3));
      expect(rest.body.posts.map((post: { id: number }) => post.id)).not.toContain(draftId);

      const newest = await api().get(`/api/blogs/${blog.slug}/posts`).expect(200);
      expect(newest.body.posts.map((post: { id: number }) => post.id)).toEqual([...all].reverse());
    });

    it('should combine with the key events filter and with drafts for the signed in', async () => {
      const blog = await createBlog(testApp, token);
      const key = [];
      for (let i = 0; i < 4; i++) {
        key.push((await publishPost(testApp, token, blog.slug, { keyEvent: i % 2 === 0 })).post);
      }
      const drafts = [];
      for (let i = 0; i < 3; i++) {
        drafts.push((await publishPost(testApp, token, blog.slug, { status: 'draft' })).post.id);
      }
      const keyEvents = await api()
        .get(`/api/blogs/${blog.slug}/posts?order=oldest&keyEvent=true&after=${key[0].id}`)
        .expect(200);
      expect(keyEvents.body.posts.map((post: { id: number }) => post.id)).toEqual([key[2].id]);

      const listed = await api()
        .get(`/api/blogs/${blog.slug}/posts?order=oldest&status=draft&after=${drafts[0]}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      expect(listed.body.posts.map((post: { id: number }) => post.id)).toEqual(drafts.slice(1));
    });

    it.each([
      ['order=sideways', 'order must be newest or oldest'],
      ['order=oldest&after=abc', 'after must be a positive integer'],
      ['order=oldest&after=-1', 'after must be a positive integer'],
      ['after=3', 'after pages entries oldest first: use it with order=oldest'],
      ['order=oldest&before=3', 'before pages entries newest first: with order=oldest, use after'],
    ])('should answer 400 for ?%s', async (query, message) => {
      const blog = await createBlog(testApp, token);
      const response = await api().get(`/api/blogs/${blog.slug}/posts?${query}`).expect(400);
      expect([response.body.message].flat()).toContain(message);
    });

    it('should refuse another order for scheduled entries, which come soonest first', async () => {
      const blog = await createBlog(testApp, token);
      const response = await api()
        .get(`/api/blogs/${blog.slug}/posts?status=scheduled&order=oldest`)
        .auth(token, { type: 'bearer' })
        .expect(400);
      expect(response.body.message).toBe(
        'Scheduled entries are listed soonest first, in no other order',
      );
    });
  });
});
