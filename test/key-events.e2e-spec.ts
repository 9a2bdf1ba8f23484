import request from 'supertest';
import { createApiToken, createBlog, createUser, publishPost, signIn } from './support/factories';
import { DomUtils, Element, parseDocument } from './support/html-parser';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

interface ListedKeyEvent {
  id: number;
  href: string;
  datetime: string;
  label: string;
}

/** The reader page's "Key events" navigation, and what its list shows, in order. */
function keyEventsOf(html: string): { nav: Element; items: ListedKeyEvent[] } {
  const document = parseDocument(html);
  const nav = DomUtils.getElementById('key-events', document.children)!;
  const items = DomUtils.findAll(
    (element) => element.name === 'li' && element.attribs.class === 'key-event',
    nav.children,
  ).map((item) => {
    const link = DomUtils.findOne((element) => element.name === 'a', item.children)!;
    const time = DomUtils.findOne((element) => element.name === 'time', item.children)!;
    const label = DomUtils.findOne(
      (element) => element.attribs.class === 'key-event-label',
      item.children,
    )!;
    return {
      id: Number(item.attribs['data-post-id']),
      href: link.attribs.href,
      datetime: time.attribs.datetime,
      label: DomUtils.textContent(label),
    };
  });
  return { nav, items };
}

describe('Key events', () => {
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  const api = () => request(testApp.url);
  const readerPage = async (path = `/blogs/${slug}`) =>
    (await api().get(path).set('Accept', 'text/html').expect(200)).text;

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  /**
   * 25 entries, more than a page: the 1st, 3rd, 24th and 25th are key events (the 24th with a
   * title), the 2nd pinned.
   */
  async function publishDay(): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 1; i <= 25; i++) {
      const { post } = await publishPost(testApp, token, slug, {
        body:
          i === 1
            ? '**Kick-off!** The final is under way in Berlin, in front of a full house'
            : `Minute ${i}: [Morata](https://example.com) shoots wide`,
        keyEvent: [1, 3, 24, 25].includes(i),
        pinned: i === 2,
        ...(i === 24 ? { title: 'Penalty to Spain' } : {}),
      });
      ids.push(post.id);
    }
    return ids;
  }

  describe('the reader page', () => {
    it('should list every key event newest first, also those older than its entries', async () => {
      const ids = await publishDay();
      const { items } = keyEventsOf(await readerPage());
      const created = (id: number) =>
        api()
          .get(`/api/blogs/${slug}/posts?before=${id + 1}&limit=1`)
          .then((response) => response.body.posts[0].createdAt as string);
      expect(items).toEqual([
        {
          id: ids[24],
          href: `#post-${ids[24]}`,
          datetime: await created(ids[24]),
          label: 'Minute 25: Morata shoots wide',
        },
        {
          id: ids[23],
          href: `#post-${ids[23]}`,
          datetime: await created(ids[23]),
          label: 'Penalty to Spain',
        },
        // Older than the page's 20 newest entries: their permalinks.
        {
          id: ids[2],
          href: `/blogs/${slug}/posts/${ids[2]}`,
          datetime: await created(ids[2]),
          label: 'Minute 3: Morata shoots wide',
        },
        {
          id: ids[0],
          href: `/blogs/${slug}/posts/${ids[0]}`,
          datetime: await created(ids[0]),
          label: 'Kick-off! The final is under way in Berlin, in front…',
        },
      ]);
    });

    it('should link the key events shown on an older page to their place on it', async () => {
      const ids = await publishDay();
      const { items } = keyEventsOf(await readerPage(`/blogs/${slug}?before=${ids[5]}`));
      expect(items.map((item) => item.href)).toEqual([
        `/blogs/${slug}/posts/${ids[24]}`,
        `/blogs/${slug}/posts/${ids[23]}`,
        `#post-${ids[2]}`,
        `#post-${ids[0]}`,
      ]);
    });

    it('should count the key events in the summary that folds the list', async () => {
      await publishDay();
      const { nav } = keyEventsOf(await readerPage());
      const summary = DomUtils.findOne((element) => element.name === 'summary', nav.children)!;
      expect(DomUtils.textContent(summary)).toBe('Key events (4)');
      expect(nav.attribs['aria-label']).toBe('Key events');
      expect(nav.attribs).not.toHaveProperty('hidden');
    });

    it('should hide the list while the blog has no key events', async () => {
      await publishPost(testApp, token, slug, { body: 'Warm-up' });
      const { nav, items } = keyEventsOf(await readerPage());
      expect(items).toEqual([]);
      expect(nav.attribs).toHaveProperty('hidden');
    });

    it('should list at most the newest 100 key events', async () => {
      const ids: number[] = [];
      for (let i = 1; i <= 101; i++) {
        ids.push((await publishPost(testApp, token, slug, { keyEvent: true })).post.id);
      }
      const { items } = keyEventsOf(await readerPage());
      expect(items).toHaveLength(100);
      expect(items[0].id).toBe(ids[100]);
      expect(items[99].id).toBe(ids[1]);
    });
  });

  describe('GET /api/blogs/:slug/posts?keyEvent=', () => {
    it('should give only the key events with true, only the others with false', async () => {
      const ids = await publishDay();
      const keyEvents = await api().get(`/api/blogs/${slug}/posts?keyEvent=true`).expect(200);
      expect(keyEvents.body.posts.map((post: { id: number }) => post.id)).toEqual([
        ids[24],
        ids[23],
        ids[2],
        ids[0],
      ]);
      expect(keyEvents.body.lastEventId).toEqual(expect.any(Number));
      const others = await api().get(`/api/blogs/${slug}/posts?keyEvent=false&limit=100`);
      expect(others.body.posts).toHaveLength(21);
      expect(others.body.posts.every((post: { keyEvent: boolean }) => !post.keyEvent)).toBe(true);
    });

    it('should page key events with before and limit', async () => {
      const ids = await publishDay();
      const page = await api()
        .get(`/api/blogs/${slug}/posts?keyEvent=true&before=${ids[23]}&limit=1`)
        .expect(200);
      expect(page.body.posts.map((post: { id: number }) => post.id)).toEqual([ids[2]]);
    });

    it.each(['1', 'yes', 'TRUE', '', 'true&keyEvent=true'])(
      'should answer 400 for keyEvent=%s',
      async (value) => {
        const response = await api().get(`/api/blogs/${slug}/posts?keyEvent=${value}`).expect(400);
        expect(response.body).toEqual({
          statusCode: 400,
          message: ['keyEvent must be true or false'],
          error: 'Bad Request',
        });
      },
    );
  });
});
