import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import request from 'supertest';
import { Post } from '../src/posts/post.entity';
import { StreamService } from '../src/stream/stream.service';
import {
  createApiToken,
  createBlog,
  createUser,
  eventRows,
  publishPost,
  signIn,
} from './support/factories';
import { startServer, type ServerProcess } from './support/server-process';
import { RawSseReader, streamUrl, waitUntil } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

// Real apps, scrypt sign-ins and a built server process on a shared 2-core machine: the e2e
// project's testTimeout in jest.config.js does not reach the tests (Jest reads it globally only).

const READER_COOKIE = 'liveblog_reader';
/** The contract: a views event reaches the streams within about a second; this is the bound. */
const VIEWS_EVENT_MS = 2500;

/** A reader's cookie as the reader pages set it: 16 random bytes, base64url (22 characters). */
function craftedReader(): string {
  return `${READER_COOKIE}=${randomBytes(16).toString('base64url')}`;
}

/** The `liveblog_reader=...` pair of a response's Set-Cookie, if it sets one. */
function readerCookieOf(response: request.Response): string | undefined {
  const setCookie = (response.headers['set-cookie'] as unknown as string[] | undefined) ?? [];
  return setCookie.find((cookie) => cookie.startsWith(`${READER_COOKIE}=`))?.split(';')[0];
}

/** Splits an SSE body into its blocks (each ends with a blank line). */
function blocksOf(text: string): string[] {
  return text.split(/(?<=\n\n)/);
}

describe('View counts and readers now', () => {
  let dataDir: string;
  let testApp: TestApp | undefined;
  let token: string;
  let slug: string;
  let otherSlug: string;
  const closers: Array<{ close(): void }> = [];

  const app = () => testApp!;
  const url = (blogSlug = slug, after?: string) => streamUrl(app(), blogSlug, after);
  const openRaw = async (...args: Parameters<typeof RawSseReader.connect>) => {
    const reader = await RawSseReader.connect(...args);
    closers.push(reader);
    return reader;
  };
  /** A stream that is live: its replay is done and it has had its first `readers` event. */
  const openLive = async (...args: Parameters<typeof RawSseReader.connect>) => {
    const reader = await openRaw(...args);
    await reader.waitFor((body) => body.readerCounts.length > 0, 'going live');
    return reader;
  };
  const beacon = (postIds: unknown, cookie: string | undefined, blogSlug = slug) => {
    const post = request(app().url).post(`/blogs/${blogSlug}/views`);
    if (cookie !== undefined) post.set('Cookie', cookie);
    return post.send({ postIds });
  };
  const publish = async (blogSlug = slug) => (await publishPost(app(), token, blogSlug)).post;
  /** Views of each entry of a blog, as the API gives them. */
  const apiViews = async (blogSlug = slug): Promise<Record<string, number>> => {
    const { body } = await request(app().url).get(`/api/blogs/${blogSlug}/posts`).expect(200);
    return Object.fromEntries(
      (body.posts as Array<{ id: number; views: number }>).map((post) => [post.id, post.views]),
    );
  };

  async function start(env: Record<string, string> = {}): Promise<void> {
    testApp = await startTestApp(dataDir, env);
    const editor = await createUser(testApp);
    token = await createApiToken(await signIn(testApp, editor));
    slug = (await createBlog(testApp, token)).slug;
    otherSlug = (await createBlog(testApp, token)).slug;
  }

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    for (const closer of closers.splice(0)) closer.close();
    await testApp?.close();
    testApp = undefined;
    removeDataDir(dataDir);
  });

  describe('the reader cookie', () => {
    beforeEach(() => start());

    it.each([['/'], ['/blogs/:slug'], ['/blogs/:slug/posts/:id']])(
      'should be set by %s, HttpOnly, once per reader',
      async (route) => {
        const post = await publish();
        const path = route.replace(':slug', slug).replace(':id', String(post.id));
        const first = await request(app().url).get(path).expect(200);
        const setCookie = (first.headers['set-cookie'] as unknown as string[]).find((cookie) =>
          cookie.startsWith(`${READER_COOKIE}=`),
        );

        expect(setCookie).toMatch(/^liveblog_reader=[\w-]{22}; /);
        expect(setCookie).toMatch(/; HttpOnly/);
        expect(setCookie).toMatch(/; Path=\//);
        const again = await request(app().url).get(path).set('Cookie', readerCookieOf(first)!);
        expect(readerCookieOf(again)).toBeUndefined();
      },
    );
  });

  describe('counting', () => {
    beforeEach(() => start());

    it('should send a permalink view to an open stream as a views event with the new total', async () => {
      const post = await publish();
      const reader = await openLive(url());

      const sentAt = Date.now();
      const visit = await request(app().url).get(`/blogs/${slug}/posts/${post.id}`).expect(200);
      await reader.waitForViews(post.id, 1, VIEWS_EVENT_MS);

      expect(Date.now() - sentAt).toBeLessThan(VIEWS_EVENT_MS);
      expect(reader.viewCounts).toEqual([{ [post.id]: 1 }]);
      // The reader that opened the permalink came without a cookie and got one with the page.
      expect(readerCookieOf(visit)).toBeDefined();
      expect(await apiViews()).toEqual({ [post.id]: 1 });
    });

    it('should bring 200 readers reporting one entry in a burst to the stream as a few views events, ending at 200', async () => {
      const post = await publish();
      const seen = await publish();
      // 200 readers, each with the cookie the blog page gave it.
      const cookies: string[] = [];
      for (let batch = 0; batch < 4; batch++) {
        const pages = await Promise.all(
          Array.from({ length: 50 }, () => request(app().url).get(`/blogs/${slug}`).expect(200)),
        );
        cookies.push(...pages.map((page) => readerCookieOf(page)!));
      }
      expect(new Set(cookies).size).toBe(200);
      const reader = await openLive(url());

      const answers = await Promise.all(cookies.map((cookie) => beacon([post.id], cookie)));
      expect(answers.map((answer) => answer.status)).toEqual(cookies.map(() => 204));
      await reader.waitForViews(post.id, 200, VIEWS_EVENT_MS);

      const totals = reader.viewCounts.map((counts) => counts[post.id]);
      expect(totals.length).toBeGreaterThanOrEqual(1);
      expect(totals.length).toBeLessThanOrEqual(4);
      expect(totals.at(-1)).toBe(200);
      expect([...totals].sort((a, b) => a - b)).toEqual(totals);
      expect(reader.viewCounts.every((counts) => Object.keys(counts).length === 1)).toBe(true);
      expect(await apiViews()).toEqual({ [post.id]: 200, [seen.id]: 0 });
    });

    it('should count a reader once per entry, also when reported again after a flush', async () => {
      const [first, second] = [await publish(), await publish()];
      const reader = await openLive(url());
      const cookie = craftedReader();

      await beacon([first.id], cookie).expect(204);
      await reader.waitForViews(first.id, 1, VIEWS_EVENT_MS);
      // Again, after the flush: by a beacon (twice in one), and by opening the permalink.
      await beacon([first.id, first.id], cookie).expect(204);
      await request(app().url)
        .get(`/blogs/${slug}/posts/${first.id}`)
        .set('Cookie', cookie)
        .expect(200);
      // Then a view of another entry: its views event comes from a flush after those, so any
      // count of the repeats would have come with it or before it.
      await beacon([second.id], cookie).expect(204);
      await reader.waitForViews(second.id, 1, VIEWS_EVENT_MS);

      expect(reader.viewCounts).toEqual([{ [first.id]: 1 }, { [second.id]: 1 }]);
      expect(await apiViews()).toEqual({ [first.id]: 1, [second.id]: 1 });
    });

    it("should ignore unknown entries and another blog's entries", async () => {
      const mine = await publish();
      const theirs = await publish(otherSlug);
      const theirsLater = await publish(otherSlug);
      const reader = await openLive(url());
      const otherReader = await openLive(url(otherSlug));

      // Each from a reader of its own, so that a wrong count cannot hide as a repeat.
      await beacon([theirs.id, 999_999], craftedReader()).expect(204);
      await beacon([mine.id], craftedReader(), otherSlug).expect(204);
      await beacon([theirs.id, mine.id, 999_998], craftedReader()).expect(204);
      await request(app().url)
        .get(`/blogs/${slug}/posts/${theirs.id}`)
        .set('Cookie', craftedReader())
        .expect(404);
      // Then a view on the other blog: the flush that sends it covers everything before it.
      await beacon([theirsLater.id], craftedReader(), otherSlug).expect(204);
      await Promise.all([
        reader.waitForViews(mine.id, 1, VIEWS_EVENT_MS),
        otherReader.waitForViews(theirsLater.id, 1, VIEWS_EVENT_MS),
      ]);

      expect(await apiViews()).toEqual({ [mine.id]: 1 });
      expect(await apiViews(otherSlug)).toEqual({ [theirs.id]: 0, [theirsLater.id]: 1 });
      expect(Object.assign({}, ...reader.viewCounts)).toEqual({ [mine.id]: 1 });
      expect(Object.assign({}, ...otherReader.viewCounts)).toEqual({ [theirsLater.id]: 1 });
    });
  });

  describe('bad beacons', () => {
    beforeEach(() => start());

    const malformed: Array<[string, unknown]> = [
      ['postIds not an array', { postIds: '1' }],
      ['postIds an object', { postIds: { 0: 1 } }],
      ['postIds null', { postIds: null }],
      ['strings', { postIds: ['1'] }],
      ['0', { postIds: [0] }],
      ['-1', { postIds: [-1] }],
      ['1.5', { postIds: [1.5] }],
      ['true', { postIds: [true] }],
      ['an id beyond Number.MAX_SAFE_INTEGER', { postIds: [2 ** 53] }],
      ['101 ids', { postIds: Array.from({ length: 101 }, (_, i) => i + 1) }],
      ['missing postIds', {}],
      ['an unknown field', { postIds: [1], reader: 'me' }],
      ['a JSON array as the body', [1, 2]],
    ];

    it.each(malformed)('should answer 400 to %s and count nothing', async (_name, body) => {
      const post = await publish();
      const response = await request(app().url)
        .post(`/blogs/${slug}/views`)
        .set('Cookie', craftedReader())
        .send(body as object)
        .expect(400);

      expect(response.body).toEqual({
        statusCode: 400,
        message: expect.anything(),
        error: 'Bad Request',
      });
      expect(await apiViews()).toEqual({ [post.id]: 0 });
    });

    it('should answer 400 to a body that is not JSON', async () => {
      await request(app().url)
        .post(`/blogs/${slug}/views`)
        .set('Cookie', craftedReader())
        .set('Content-Type', 'application/json')
        .send('{"postIds": [1')
        .expect(400);
    });

    it.each([
      ['no cookie', undefined],
      ['another cookie only', 'theme=dark'],
      ['a reader cookie that is not a reader id', `${READER_COOKIE}=short`],
    ])('should answer 400 with %s, and count nothing', async (_name, cookie) => {
      const post = await publish();
      const response = await beacon([post.id], cookie).expect(400);

      expect(response.body.message).toMatch(/cookie/i);
      expect(await apiViews()).toEqual({ [post.id]: 0 });
    });

    it('should accept exactly 100 ids', async () => {
      const post = await publish();
      const ids = [post.id, ...Array.from({ length: 99 }, (_, i) => 100_000 + i)];
      await beacon(ids, craftedReader()).expect(204);
      await beacon([], craftedReader()).expect(204);
    });

    it('should answer 404 for an unknown blog', async () => {
      const response = await beacon([1], craftedReader(), 'no-such-blog').expect(404);
      expect(response.body).toEqual({
        statusCode: 404,
        message: expect.any(String),
        error: 'Not Found',
      });
    });
  });

  describe('rate limit', () => {
    it('should answer 429 to the 6th beacon of an address within a minute with VIEWS_RATE_LIMIT=5', async () => {
      await start({ VIEWS_RATE_LIMIT: '5' });
      const post = await publish();
      for (let i = 0; i < 5; i++) await beacon([post.id], craftedReader()).expect(204);

      const limited = await beacon([post.id], craftedReader()).expect(429);
      expect(limited.body).toMatchObject({ statusCode: 429 });
      // Only the beacons are limited: reader pages and the API still answer.
      await request(app().url).get(`/blogs/${slug}/posts/${post.id}`).expect(200);
      await waitUntil(
        async () => (await apiViews())[post.id] === 6,
        () => 'the five beacons and the permalink visit counted',
      );
    });
  });

  describe('readers now', () => {
    beforeEach(() => start());

    it('should tell a new stream how many read along, and the others within a second, up and down', async () => {
      const first = await openLive(url());
      expect(first.readerCounts[0]).toBe(1);

      const second = await openLive(url());
      expect(second.readerCounts[0]).toBe(2);
      await first.waitForReaders(2);

      // Another blog's streams count for that blog only.
      const elsewhere = await openLive(url(otherSlug));
      expect(elsewhere.readerCounts[0]).toBe(1);

      const third = await openLive(url());
      expect(third.readerCounts[0]).toBe(3);
      await Promise.all([first.waitForReaders(3), second.waitForReaders(3)]);

      second.close();
      await Promise.all([first.waitForReaders(2), third.waitForReaders(2)]);
      expect(Math.max(...first.readerCounts, ...third.readerCounts)).toBe(3);
      expect(elsewhere.readerCounts.every((count) => count === 1)).toBe(true);
    });

    it('should coalesce many streams opening at once into a few readers events', async () => {
      const watcher = await openLive(url());
      await Promise.all(Array.from({ length: 20 }, () => openLive(url())));
      await watcher.waitForReaders(21);

      // 20 changes within a fraction of a second: one event, a few when they straddle ticks.
      const changes = watcher.readerCounts.filter((count) => count > 1);
      expect(changes.length).toBeLessThanOrEqual(3);
      expect(changes.at(-1)).toBe(21);
      expect(app().app.get(StreamService).openStreams()).toBe(21);
    });
  });

  describe('ephemeral events on the wire', () => {
    beforeEach(() => start());

    it('should send views and readers without an id, and replay neither on resume', async () => {
      const raw = await openLive(url());
      const entry = await publishPost(app(), token, slug);
      await raw.waitForId(entry.eventId);
      await request(app().url).get(`/blogs/${slug}/posts/${entry.post.id}`).expect(200);
      await raw.waitForViews(entry.post.id, 1, VIEWS_EVENT_MS);
      await openLive(url());
      await raw.waitForReaders(2);
      const later = await publishPost(app(), token, slug);
      await raw.waitForId(later.eventId);

      // On the wire: no ephemeral block has an id line; the durable ones keep theirs.
      const ephemeralBlocks = blocksOf(raw.text).filter((block) =>
        /^event: (views|readers)$/m.test(block),
      );
      expect(ephemeralBlocks.length).toBeGreaterThanOrEqual(3);
      for (const block of ephemeralBlocks) expect(block).not.toMatch(/^id:/m);
      expect(raw.ephemeralEvents.map((event) => event.id)).toEqual(
        ephemeralBlocks.map(() => undefined),
      );
      expect(raw.ids).toEqual([entry.eventId, later.eventId]);
      // Nor are they in the event log, the source of every replay.
      expect((await eventRows(app())).map((row) => row.type)).toEqual(['post', 'post']);

      // Resuming, from the header and from ?after=: the replay (all that comes before the
      // stream goes live, marked by its first readers event) holds durable events only.
      const resumed = await openLive(url(), {
        headers: { 'Last-Event-ID': String(entry.eventId) },
      });
      const fromStart = await openLive(url(slug, '0'));
      for (const [stream, replayed] of [
        [resumed, [later]],
        [fromStart, [entry, later]],
      ] as const) {
        const live = stream.events.findIndex((event) => event.event === 'readers');
        expect(
          stream.events.slice(0, live).map((event) => [event.event, Number(event.id)]),
        ).toEqual(replayed.map((write) => ['post', write.eventId]));
      }
    });
  });

  describe('persistence', () => {
    beforeEach(() => start());

    it('should keep the counts through a restart: close() flushes what is still in memory', async () => {
      const post = await publish();
      const reader = await openLive(url());
      await beacon([post.id], craftedReader()).expect(204);
      // A flush has just run: the next is about a second away, so the next views are pending
      // in memory when the app closes.
      await reader.waitForViews(post.id, 1, VIEWS_EVENT_MS);
      await Promise.all(
        Array.from({ length: 4 }, () => beacon([post.id], craftedReader()).expect(204)),
      );
      const written = await app().database.getRepository(Post).findOneByOrFail({ id: post.id });
      expect(written.views).toBe(1);
      reader.close();
      await app().close();

      testApp = await startTestApp(dataDir);
      expect(await apiViews()).toEqual({ [post.id]: 5 });
    });
  });

  describe('the built server process', () => {
    const ADMIN = { email: 'admin@example.test', password: 'admin password 1' };
    let server: ServerProcess | undefined;

    afterEach(async () => {
      if (server && server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
      server = undefined;
    });

    it('should keep the counts through a SIGTERM restart', async () => {
      const env = {
        DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
        ADMIN_EMAIL: ADMIN.email,
        ADMIN_PASSWORD: ADMIN.password,
      };
      server = await startServer(env);
      const base = server.url;
      const login = await request(base).post('/api/auth/login').send(ADMIN).expect(200);
      const session = (login.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
      const write = (path: string, body: object) =>
        request(base)
          .post(path)
          .set('Cookie', session)
          .set('X-CSRF-Token', login.body.csrfToken as string)
          .send(body)
          .expect(201);
      const blogSlug = (await write('/api/blogs', { title: 'Final' })).body.blog.slug as string;
      const postId = (await write(`/api/blogs/${blogSlug}/posts`, { body: 'Goal' })).body.post
        .id as number;
      const reader = await RawSseReader.connect(`${base}/blogs/${blogSlug}/events`);
      closers.push(reader);
      const views = (cookie: string) =>
        request(base)
          .post(`/blogs/${blogSlug}/views`)
          .set('Cookie', cookie)
          .send({ postIds: [postId] })
          .expect(204);

      await views(craftedReader());
      await reader.waitForViews(postId, 1, VIEWS_EVENT_MS);
      // Right after a flush: these three are in memory only when SIGTERM comes.
      await Promise.all([views(craftedReader()), views(craftedReader()), views(craftedReader())]);
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await reader.waitForEnd();

      server = await startServer(env);
      const { body } = await request(server.url).get(`/api/blogs/${blogSlug}/posts`).expect(200);
      expect(body.posts).toEqual([expect.objectContaining({ id: postId, views: 4 })]);
    });
  });
});
