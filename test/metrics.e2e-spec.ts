import http from 'node:http';
import request from 'supertest';
import { MetricsService } from '../src/metrics/metrics.service';
import {
  createApiToken,
  createBlog,
  createUser,
  issueApiToken,
  signIn,
  type SignedInClient,
} from './support/factories';
import { PrometheusText } from './support/prometheus-text';
import { sendRaw } from './support/raw-http';
import {
  ApiWriter,
  connectStalledReader,
  EventSourceReader,
  RawSseReader,
  streamUrl,
  waitUntil,
} from './support/sse-client';
import { type TestApp, TestAppPool } from './support/test-app';

const METRICS_TOKEN = 'scrape-me-if-you-can-0123456789';
const PER_ADDRESS = 20;
const VIEWS_LIMIT = 5;

describe('Metrics (GET /metrics)', () => {
  const pool = new TestAppPool();
  let testApp: TestApp;
  let writer: ApiWriter;
  let editor: SignedInClient;
  let apiToken: string;
  const closers: Array<{ close(): void }> = [];

  const scrape = async (app: TestApp = testApp): Promise<PrometheusText> => {
    const answer = await request(app.url)
      .get('/metrics')
      .auth(METRICS_TOKEN, { type: 'bearer' })
      .expect(200);
    return new PrometheusText(answer.text);
  };
  const newBlog = async (): Promise<string> => (await createBlog(testApp, apiToken)).slug;
  const follow = <T extends { close(): void }>(reader: T): T => {
    closers.push(reader);
    return reader;
  };

  beforeAll(async () => {
    testApp = await pool.start({
      METRICS_TOKEN,
      SSE_MAX_PER_ADDRESS: String(PER_ADDRESS),
      VIEWS_RATE_LIMIT: String(VIEWS_LIMIT),
      API_WRITE_RATE_LIMIT: '100000',
    });
    editor = await signIn(testApp, await createUser(testApp));
    apiToken = await createApiToken(editor);
    writer = new ApiWriter(testApp, apiToken);
  });

  afterEach(async () => {
    for (const closer of closers.splice(0)) closer.close();
    // Each test starts with no stream open, so the gauges it reads are its own.
    const streams = async () => (await scrape()).value('liveblog_streams_open');
    await waitUntil(
      async () => (await streams()) === 0,
      () => 'every stream closed after the test',
    );
  });

  afterAll(async () => {
    writer.close();
    await pool.closeAll();
  });

  describe('access', () => {
    it('should be 404, as any unknown route, without METRICS_TOKEN', async () => {
      const withoutToken = await pool.start();
      const metrics = await request(withoutToken.url)
        .get('/metrics')
        .auth(METRICS_TOKEN, { type: 'bearer' })
        .expect(404);
      const unknown = await request(withoutToken.url).get('/no-such-page-at-all').expect(404);

      expect(metrics.body).toEqual({
        statusCode: 404,
        message: 'Cannot GET /metrics',
        error: 'Not Found',
      });
      expect(unknown.body.error).toBe('Not Found');
      await pool.close(withoutToken);
    });

    it('should be 401 without the token, with another one, or with only a session', async () => {
      const answers = [
        await request(testApp.url).get('/metrics'),
        await request(testApp.url).get('/metrics').auth('not-the-metrics-token-0000', {
          type: 'bearer',
        }),
        await request(testApp.url).get('/metrics').set('Authorization', `Basic ${METRICS_TOKEN}`),
        await request(testApp.url).get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`),
        // An editor's API token or session is no metrics token.
        await request(testApp.url).get('/metrics').auth(apiToken, { type: 'bearer' }),
        await editor.agent.get('/metrics'),
      ];

      for (const answer of answers) {
        expect(answer.status).toBe(401);
        expect(answer.headers['www-authenticate']).toBe('Bearer realm="metrics"');
        expect(answer.body).toEqual({
          statusCode: 401,
          message: 'Metrics need Authorization: Bearer <METRICS_TOKEN>',
          error: 'Unauthorized',
        });
        expect(answer.text).not.toContain('liveblog_');
      }
    });

    it("should answer the scrape in Prometheus' text format, never cached", async () => {
      const answer = await request(testApp.url)
        .get('/metrics')
        .set('Authorization', `bearer ${METRICS_TOKEN}`)
        .expect(200);

      const [mediaType, ...parameters] = String(answer.headers['content-type']).split('; ');
      expect(mediaType).toBe('text/plain');
      expect(parameters.sort()).toEqual(['charset=utf-8', 'version=0.0.4']);
      expect(answer.headers['cache-control']).toBe('no-store');
      const metrics = new PrometheusText(answer.text);
      const types = Object.fromEntries(
        [...metrics.families.values()].map((family) => [family.name, family.type]),
      );
      expect(types).toMatchObject({
        liveblog_streams_open: 'gauge',
        liveblog_streams_open_by_blog: 'gauge',
        liveblog_streams_opened_total: 'counter',
        liveblog_streams_closed_total: 'counter',
        liveblog_stream_slow_readers: 'gauge',
        liveblog_stream_unsent_bytes: 'gauge',
        liveblog_stream_unsent_bytes_max: 'gauge',
        liveblog_events_published_total: 'counter',
        liveblog_fanout_seconds: 'histogram',
        liveblog_publish_request_seconds: 'histogram',
        liveblog_view_reports_total: 'counter',
        liveblog_views_counted_total: 'counter',
        liveblog_rate_limit_refusals_total: 'counter',
        liveblog_database_errors_total: 'counter',
        liveblog_redis_errors_total: 'counter',
        // Node's own, under their conventional names.
        process_cpu_seconds_total: 'counter',
        process_resident_memory_bytes: 'gauge',
        nodejs_eventloop_lag_p99_seconds: 'gauge',
        nodejs_heap_size_used_bytes: 'gauge',
      });
      expect(metrics.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    });

    it('should not refuse a scraper that scrapes often', async () => {
      const answers = await Promise.all(
        Array.from({ length: 30 }, () =>
          request(testApp.url).get('/metrics').auth(METRICS_TOKEN, { type: 'bearer' }),
        ),
      );

      expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    });
  });

  describe('streams', () => {
    it('should count open streams, in all and on the busiest blogs', async () => {
      const busy = await newBlog();
      const quiet = await newBlog();
      const before = await scrape();
      const readers = [busy, busy, busy, quiet].map((slug) =>
        follow(new EventSourceReader(streamUrl(testApp, slug))),
      );
      await Promise.all(readers.map((reader) => reader.waitForOpen()));

      const metrics = await scrape();
      expect(metrics.value('liveblog_streams_open')).toBe(4);
      expect(metrics.value('liveblog_streams_open_by_blog', { blog: busy })).toBe(3);
      expect(metrics.value('liveblog_streams_open_by_blog', { blog: quiet })).toBe(1);
      expect(metrics.samples('liveblog_streams_open_by_blog')).toHaveLength(2);
      expect(metrics.count('liveblog_streams_opened_total')).toBe(
        before.count('liveblog_streams_opened_total') + 4,
      );

      // A reader closes its page: its stream ends, as the client's doing.
      readers[0].close();
      await waitUntil(
        async () => (await scrape()).value('liveblog_streams_open') === 3,
        () => 'the stream of the reader who left to close',
      );
      const after = await scrape();
      expect(after.value('liveblog_streams_open_by_blog', { blog: busy })).toBe(2);
      expect(after.count('liveblog_streams_closed_total', { reason: 'client' })).toBe(
        before.count('liveblog_streams_closed_total', { reason: 'client' }) + 1,
      );
      expect(after.count('liveblog_streams_closed_total', { reason: 'slow' })).toBe(
        before.count('liveblog_streams_closed_total', { reason: 'slow' }),
      );
    });

    it('should name only the ten busiest blogs, busiest first, and drop the others', async () => {
      const slugs: string[] = [];
      for (let index = 0; index < 12; index++) slugs.push(await newBlog());
      const [first, second, ...others] = slugs;
      const streamsOf = new Map(slugs.map((slug) => [slug, 1]));
      streamsOf.set(first, 3);
      streamsOf.set(second, 2);
      const readers: RawSseReader[] = [];
      for (const [slug, count] of streamsOf) {
        for (let index = 0; index < count; index++) {
          readers.push(follow(await RawSseReader.connect(streamUrl(testApp, slug))));
        }
      }

      const metrics = await scrape();
      const byBlog = metrics.samples('liveblog_streams_open_by_blog');
      expect(metrics.value('liveblog_streams_open')).toBe(15);
      expect(byBlog).toHaveLength(10);
      expect(byBlog.map((sample) => sample.value)).toEqual([3, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
      expect(byBlog.slice(0, 2).map((sample) => sample.labels.blog)).toEqual([first, second]);
      // Ties go to the older blog: the two newest of the blogs with one stream are left out.
      expect(byBlog.slice(2).map((sample) => sample.labels.blog)).toEqual(others.slice(0, 8));

      // The busiest leaves: a scrape names only blogs that still have streams.
      for (const reader of readers.slice(0, 3)) reader.close();
      await waitUntil(
        async () => (await scrape()).value('liveblog_streams_open') === 12,
        () => 'the three streams of the busiest blog to close',
      );
      const later = (await scrape()).samples('liveblog_streams_open_by_blog');
      expect(later).toHaveLength(10);
      expect(later.every((sample) => sample.labels.blog !== first)).toBe(true);
      expect(later[0]).toMatchObject({ labels: { blog: second }, value: 2 });
    });

    it('should count a reader that stops reading, dropped as slow, and show its backlog', async () => {
      const slug = await newBlog();
      const reader = follow(await RawSseReader.connect(streamUrl(testApp, slug)));
      const stalled = await connectStalledReader(testApp, slug);
      closers.push({ close: () => stalled.socket.destroy() });
      await waitUntil(
        async () => (await scrape()).value('liveblog_streams_open') === 2,
        () => 'both streams open',
      );
      const before = await scrape();

      // About 40 KB a frame: the kernel's buffers fill, then the server's 1 MiB, then the drop.
      const filler = 'The match goes on, and the crowd sings. '.repeat(500).slice(0, 19_000);
      let mostUnsent = 0;
      let slowSeen = 0;
      let published = 0;
      let metrics = before;
      while (metrics.value('liveblog_streams_open') === 2 && published < 800) {
        await writer.publish(slug, `Entry ${++published}: ${filler}`);
        metrics = await scrape();
        mostUnsent = Math.max(mostUnsent, metrics.count('liveblog_stream_unsent_bytes_max'));
        slowSeen = Math.max(slowSeen, metrics.count('liveblog_stream_slow_readers'));
      }
      // Dropped by the server: the paused client has not read that far, the server is done.
      expect(metrics.value('liveblog_streams_open')).toBe(1);

      const after = await scrape();
      expect(after.count('liveblog_streams_closed_total', { reason: 'slow' })).toBe(
        before.count('liveblog_streams_closed_total', { reason: 'slow' }) + 1,
      );
      expect(after.value('liveblog_streams_open')).toBe(1);
      // On its way out, the stalled reader was seen behind, by up to the 1 MiB bound.
      expect(slowSeen).toBeGreaterThanOrEqual(1);
      expect(mostUnsent).toBeGreaterThan(64 * 1024);
      expect(mostUnsent).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024);
      expect(after.value('liveblog_stream_slow_readers')).toBe(0);
      // Every published entry reached the reader who reads: a fan-out each.
      const last = await writer.publish(slug, 'After the drop');
      await reader.waitForId(last.eventId, 20_000);
      const fanOuts = (await scrape()).count('liveblog_fanout_seconds_count');
      expect(fanOuts).toBeGreaterThanOrEqual(
        before.count('liveblog_fanout_seconds_count') + published + 1,
      );
    }, 60_000);

    it('should count streams refused for too many from one address', async () => {
      const slug = await newBlog();
      const elsewhere = new http.Agent({ localAddress: '127.0.0.3' });
      closers.push({ close: () => elsewhere.destroy() });
      const before = await scrape();
      for (let index = 0; index < PER_ADDRESS; index++) {
        follow(await RawSseReader.connect(streamUrl(testApp, slug), { agent: elsewhere }));
      }
      const refused = await RawSseReader.open(streamUrl(testApp, slug), { agent: elsewhere });
      follow(refused);
      await refused.waitForEnd();

      expect(refused.status).toBe(429);
      const after = await scrape();
      expect(
        after.count('liveblog_rate_limit_refusals_total', { limit: 'streams-per-address' }),
      ).toBe(
        before.count('liveblog_rate_limit_refusals_total', { limit: 'streams-per-address' }) + 1,
      );
    });
  });

  describe('writes and views', () => {
    it('should count events by type, and time the entry writes by route and status', async () => {
      const slug = await newBlog();
      const reader = follow(new EventSourceReader(streamUrl(testApp, slug)));
      await reader.waitForOpen();
      const before = await scrape();
      const route = (path: string) => ({ route: `/api/blogs/:slug/posts${path}` });

      const { post } = await writer.publish(slug, 'Kick-off');
      await writer.edit(slug, post.id as number, { body: 'Kick-off, at last' });
      const { eventId } = await writer.remove(slug, post.id as number);
      await writer.expect(404, 'PATCH', `/api/blogs/${slug}/posts/999999`, { body: 'Nothing' });
      await writer.expect(200, 'GET', `/api/blogs/${slug}/posts`);
      await reader.waitForId(eventId);

      const after = await scrape();
      const increase = (name: string, labels: Record<string, string> = {}) =>
        after.count(name, labels) - before.count(name, labels);
      expect(increase('liveblog_events_published_total', { type: 'post' })).toBe(1);
      expect(increase('liveblog_events_published_total', { type: 'update' })).toBe(1);
      expect(increase('liveblog_events_published_total', { type: 'delete' })).toBe(1);
      const timed = 'liveblog_publish_request_seconds_count';
      expect(increase(timed, { method: 'POST', ...route(''), status: '2xx' })).toBe(1);
      expect(increase(timed, { method: 'PATCH', ...route('/:id'), status: '2xx' })).toBe(1);
      expect(increase(timed, { method: 'DELETE', ...route('/:id'), status: '2xx' })).toBe(1);
      expect(increase(timed, { method: 'PATCH', ...route('/:id'), status: '4xx' })).toBe(1);
      // Reading the entries is no write; nor are the scrapes.
      expect(after.samples(timed).every((sample) => sample.labels.method !== 'GET')).toBe(true);
      expect(
        after.value('liveblog_publish_request_seconds_sum', {
          method: 'POST',
          ...route(''),
          status: '2xx',
        }),
      ).toBeGreaterThan(0);
      // Three events fanned out to the blog's one reader.
      expect(increase('liveblog_fanout_seconds_count')).toBe(3);
    });

    it('should count view reports, and views only once per reader and entry', async () => {
      const slug = await newBlog();
      const first = (await writer.publish(slug, 'First')).post.id as number;
      const second = (await writer.publish(slug, 'Second')).post.id as number;
      const before = await scrape();
      const report = (postIds: number[]) =>
        request(testApp.url)
          .post(`/blogs/${slug}/views`)
          .set('Cookie', 'liveblog_reader=AAAAAAAAAAAAAAAAAAAAAA')
          .send({ postIds })
          .expect(204);

      await report([first, second]);
      await report([first, second]);
      await report([second]);

      const after = await scrape();
      expect(after.count('liveblog_view_reports_total')).toBe(
        before.count('liveblog_view_reports_total') + 3,
      );
      expect(after.count('liveblog_views_counted_total')).toBe(
        before.count('liveblog_views_counted_total') + 2,
      );
    });

    it('should count refusals of the view reports limit', async () => {
      const slug = await newBlog();
      const before = await scrape();
      const statuses: number[] = [];
      for (let index = 0; index <= VIEWS_LIMIT; index++) {
        const answer = await sendRaw(testApp.url, {
          method: 'POST',
          target: `/blogs/${slug}/views`,
          headers: { Cookie: 'liveblog_reader=BBBBBBBBBBBBBBBBBBBBBB' },
          json: { postIds: [] },
          localAddress: '127.0.0.2',
        });
        statuses.push(answer.status);
      }

      expect(statuses).toEqual([...Array<number>(VIEWS_LIMIT).fill(204), 429]);
      const after = await scrape();
      expect(after.count('liveblog_rate_limit_refusals_total', { limit: 'views' })).toBe(
        before.count('liveblog_rate_limit_refusals_total', { limit: 'views' }) + 1,
      );
      expect(after.count('liveblog_rate_limit_refusals_total', { limit: 'writes' })).toBe(
        before.count('liveblog_rate_limit_refusals_total', { limit: 'writes' }),
      );
    });

    it('should count a failed query by its kind', async () => {
      const slug = await newBlog();
      const before = await scrape();

      // A taken slug: the database refuses the row (a constraint), the API answers 409.
      await request(testApp.url)
        .post('/api/blogs')
        .auth(apiToken, { type: 'bearer' })
        .send({ title: 'Again', slug })
        .expect(409);

      const after = await scrape();
      expect(after.count('liveblog_database_errors_total', { kind: 'constraint' })).toBe(
        before.count('liveblog_database_errors_total', { kind: 'constraint' }) + 1,
      );
      expect(after.count('liveblog_database_errors_total', { kind: 'disk-full' })).toBe(0);
    });
  });

  describe('shutdown', () => {
    it('should count the streams it ends as closed by shutdown', async () => {
      const stopping = await pool.start({ METRICS_TOKEN });
      const token = await issueApiToken(stopping, await createUser(stopping));
      const slug = (await createBlog(stopping, token)).slug;
      const readers = [
        follow(await RawSseReader.connect(streamUrl(stopping, slug))),
        follow(await RawSseReader.connect(streamUrl(stopping, slug))),
      ];
      expect((await scrape(stopping)).value('liveblog_streams_open')).toBe(2);
      // The registry outlives the app: read after the close, it has the streams' last count.
      const metrics = stopping.app.get(MetricsService);

      await pool.close(stopping);
      await Promise.all(readers.map((reader) => reader.waitForEnd()));
      const closed = async () =>
        new PrometheusText(await metrics.scrape()).count('liveblog_streams_closed_total', {
          reason: 'shutdown',
        });
      await waitUntil(
        async () => (await closed()) === 2,
        () => 'both streams counted as closed by shutdown',
      );
      const after = new PrometheusText(await metrics.scrape());
      expect(after.count('liveblog_streams_closed_total', { reason: 'client' })).toBe(0);
      expect(after.count('liveblog_streams_opened_total')).toBe(2);
    });
  });
});
