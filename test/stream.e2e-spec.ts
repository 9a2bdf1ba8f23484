import request from 'supertest';
import { StreamService } from '../src/stream/stream.service';
import { createApiToken, createBlog, createUser, eventRows, signIn } from './support/factories';
import {
  ApiWriter,
  EventSourceReader,
  RawSseReader,
  streamUrl,
  waitUntil,
  within,
} from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** The exact bytes of a durable event as the contract puts it on the wire. */
function frame(id: number, type: string, data: unknown): string {
  return `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

describe('The stream: GET /blogs/:slug/events', () => {
  let dataDir: string;
  let testApp: TestApp | undefined;
  let token: string;
  let slug: string;
  let otherSlug: string;
  let writer: ApiWriter;
  const readers: Array<{ close(): void }> = [];

  const app = () => testApp!;
  const url = (after?: string) => streamUrl(app(), slug, after);
  /** A raw reader, closed after the test. */
  const openRaw = async (...args: Parameters<typeof RawSseReader.connect>) => {
    const reader = await RawSseReader.connect(...args);
    readers.push(reader);
    return reader;
  };
  /** An `eventsource` client, closed after the test. */
  const openEventSource = (...args: ConstructorParameters<typeof EventSourceReader>) => {
    const reader = new EventSourceReader(...args);
    readers.push(reader);
    return reader;
  };
  const publish = (body?: string, blogSlug = slug) => writer.publish(blogSlug, body ?? 'An entry');
  const edit = (postId: number, change: Record<string, unknown>) =>
    writer.edit(slug, postId, change);
  const remove = (postId: number) => writer.remove(slug, postId);
  const newestEventId = async () => Math.max(0, ...(await eventRows(app())).map((row) => row.id));

  async function start(env: Record<string, string> = {}): Promise<void> {
    testApp = await startTestApp(dataDir, env);
    const editor = await createUser(testApp, { name: 'Ada Reporter' });
    token = await createApiToken(await signIn(testApp, editor));
    slug = (await createBlog(testApp, token)).slug;
    otherSlug = (await createBlog(testApp, token)).slug;
    writer = new ApiWriter(testApp, token);
  }

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    writer?.close();
    await testApp?.close();
    testApp = undefined;
    removeDataDir(dataDir);
  });

  describe('opening', () => {
    beforeEach(() => start());

    it('should answer 200 text/event-stream, uncompressed and unbuffered, starting with the retry line', async () => {
      const reader = await openRaw(url(), { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });

      expect(reader.status).toBe(200);
      expect(reader.headers['content-type']).toBe('text/event-stream');
      expect(reader.headers['cache-control']).toBe('no-cache, no-transform');
      expect(reader.headers['x-accel-buffering']).toBe('no');
      expect(reader.headers['content-encoding']).toBeUndefined();
      expect(reader.headers['content-length']).toBeUndefined();
      await reader.waitFor((body) => body.readerCounts.length >= 1, 'the readers event');
      // The retry line first, alone, then (no replay to send) how many read along now.
      expect(reader.text.startsWith('retry: 3000\n\nevent: readers\ndata: {"readers":1}\n\n')).toBe(
        true,
      );
      expect(reader.durableText).toBe('retry: 3000\n\n');
      expect(reader.retries).toEqual([3000]);
      expect(reader.durableEvents).toEqual([]);
    });

    it('should answer 404 JSON for an unknown blog, before any stream starts', async () => {
      const response = await request(app().url)
        .get('/blogs/no-such-blog/events')
        .set('Accept', 'text/event-stream')
        .expect(404);

      expect(response.headers['content-type']).toMatch(/^application\/json/);
      expect(response.headers['content-type']).not.toMatch(/event-stream/);
      expect(response.body).toEqual({
        statusCode: 404,
        message: expect.any(String),
        error: 'Not Found',
      });
      expect(app().app.get(StreamService).openStreams()).toBe(0);
    });

    it('should count the open streams of each blog', async () => {
      const service = app().app.get(StreamService);
      const blogId = (await publish()).post.blogId as number;
      const first = await openRaw(url());
      await openRaw(url());
      await openRaw(streamUrl(app(), otherSlug));
      expect(service.openStreams(blogId)).toBe(2);
      expect(service.openStreams()).toBe(3);

      first.close();
      await waitUntil(
        () => service.openStreams(blogId) === 1,
        () => `1 open stream on the blog, not ${service.openStreams(blogId)}`,
      );
      expect(service.openStreams()).toBe(2);
    });
  });

  describe('with SSE_RETRY_MS and SSE_HEARTBEAT_MS set', () => {
    beforeEach(() => start({ SSE_RETRY_MS: '1234', SSE_HEARTBEAT_MS: '1000' }));

    it('should send the configured retry first, then a comment line at least every SSE_HEARTBEAT_MS', async () => {
      const reader = await openRaw(url());
      const openedAt = Date.now();
      expect(reader.text.startsWith('retry: 1234\n\n')).toBe(true);

      // The heartbeat timer is shared by all streams, so the first one comes within one period
      // of the connection; the margin only absorbs timer lateness on a busy machine.
      await reader.waitFor((body) => body.comments.length >= 1, 'a heartbeat', 1000 + 750);
      const firstAt = Date.now();
      await reader.waitFor((body) => body.comments.length >= 2, 'a second heartbeat', 1000 + 750);
      const secondAt = Date.now();

      expect(firstAt - openedAt).toBeLessThan(1000 + 750);
      expect(secondAt - firstAt).toBeLessThan(1000 + 750);
      expect(reader.durableText).toBe('retry: 1234\n\n:\n\n:\n\n');
      expect(reader.durableEvents).toEqual([]);
    });

    it('should go on sending a comment line at least every SSE_HEARTBEAT_MS while entries keep coming', async () => {
      // Comment lines then ride along with the entries' writes: a path of its own to check.
      const reader = await openRaw(url());
      let publishing = true;
      const published: number[] = [];
      const publishing$ = (async () => {
        while (publishing) {
          published.push((await publish(`Entry ${published.length}`)).eventId);
          // Ten entries a second, a busy live blog (and within the write rate limit).
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      try {
        let lastAt = Date.now();
        for (let comments = 1; comments <= 4; comments++) {
          await reader.waitFor((body) => body.comments.length >= comments, `comment ${comments}`);
          expect(Date.now() - lastAt).toBeLessThan(1000 + 750);
          lastAt = Date.now();
        }
      } finally {
        publishing = false;
        await publishing$;
      }
      await reader.waitForId(published[published.length - 1]);
      expect(published.length).toBeGreaterThan(10);
      expect(reader.durableEvents.map((event) => Number(event.id))).toEqual(published);
    });
  });

  describe('live events', () => {
    beforeEach(() => start());

    it('should send post, update and delete with the API event id, the type and the JSON data, and nothing of another blog', async () => {
      const reader = await openRaw(url());

      await publish('Elsewhere', otherSlug);
      const created = await publish('**Kick-off** in *Paris*');
      await publish('Elsewhere again', otherSlug);
      const edited = await edit(created.post.id, { body: 'Kick-off in Paris, 21:00' });
      const pinned = await edit(created.post.id, { pinned: true, keyEvent: true });
      const deleted = await remove(created.post.id);
      await reader.waitForId(deleted.eventId);

      expect(reader.ids).toEqual([
        created.eventId,
        edited.eventId,
        pinned.eventId,
        deleted.eventId,
      ]);
      expect(reader.durableText).toBe(
        'retry: 3000\n\n' +
          frame(created.eventId, 'post', { post: created.post }) +
          frame(edited.eventId, 'update', { post: edited.post }) +
          frame(pinned.eventId, 'update', { post: pinned.post }) +
          frame(deleted.eventId, 'delete', { postId: created.post.id }),
      );
      expect(reader.durableEvents.map((event) => [event.event, JSON.parse(event.data)])).toEqual([
        ['post', { post: created.post }],
        ['update', { post: edited.post }],
        ['update', { post: pinned.post }],
        ['delete', { postId: created.post.id }],
      ]);
      expect(pinned.post).toMatchObject({ pinned: true, keyEvent: true, version: 3 });
    });

    it('should deliver the same events to an EventSource client, with lastEventId set', async () => {
      const source = openEventSource(url());
      await source.waitForOpen();

      const created = await publish('Team news');
      await publish('Not here', otherSlug);
      const edited = await edit(created.post.id, { body: 'Team news: unchanged line-up' });
      const deleted = await remove(created.post.id);
      await source.waitForId(deleted.eventId);

      expect(source.messages).toEqual([
        {
          type: 'post',
          lastEventId: String(created.eventId),
          data: JSON.stringify({ post: created.post }),
        },
        {
          type: 'update',
          lastEventId: String(edited.eventId),
          data: JSON.stringify({ post: edited.post }),
        },
        {
          type: 'delete',
          lastEventId: String(deleted.eventId),
          data: JSON.stringify({ postId: created.post.id }),
        },
      ]);
      expect(source.errors).toEqual([]);
    });

    it('should keep serving the other readers once one has hung up, and publishing should not fail', async () => {
      const service = app().app.get(StreamService);
      const staying = await openRaw(url());
      const leaving = await openRaw(url());
      const first = await publish('Both see this');
      await leaving.waitForId(first.eventId);

      leaving.close();
      await waitUntil(
        () => service.openStreams(first.post.blogId) === 1,
        () => `1 open stream, not ${service.openStreams(first.post.blogId)}`,
      );
      const second = await publish('Only the one who stayed');
      const third = await publish('And this');
      await staying.waitForId(third.eventId);

      expect(staying.ids).toEqual([first.eventId, second.eventId, third.eventId]);
      expect(leaving.ids).toEqual([first.eventId]);
    });
  });

  describe('resume', () => {
    let history: Array<{ eventId: number }>;

    beforeEach(async () => {
      await start();
      history = [];
      for (let i = 1; i <= 4; i++) {
        await publish(`Other blog ${i}`, otherSlug);
        history.push(await publish(`Entry ${i}`));
      }
    });

    it('should replay every event after ?after=, in order, then go live', async () => {
      const cursor = history[0].eventId;
      const reader = await openRaw(url(String(cursor)));
      await reader.waitForId(history[3].eventId);
      const live = await publish('Live');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([
        history[1].eventId,
        history[2].eventId,
        history[3].eventId,
        live.eventId,
      ]);
      const rows = await eventRows(app());
      expect(reader.durableEvents.map((event) => event.data)).toEqual(
        rows
          .filter((row) => row.id > cursor && row.blogId === live.post.blogId)
          .map((row) => row.payload),
      );
    });

    it('should replay the whole blog with ?after=0', async () => {
      const reader = await openRaw(url('0'));
      await reader.waitForId(history[3].eventId);
      expect(reader.ids).toEqual(history.map((write) => write.eventId));
    });

    it('should follow Last-Event-ID over a different ?after=', async () => {
      const cursor = history[1].eventId;
      const reader = await openRaw(url('0'), { headers: { 'Last-Event-ID': String(cursor) } });
      await reader.waitForId(history[3].eventId);
      const live = await publish('Live');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([history[2].eventId, history[3].eventId, live.eventId]);
    });

    it('should follow Last-Event-ID over ?after= for an EventSource client too', async () => {
      const source = openEventSource(url(String(history[0].eventId)), {
        lastEventId: String(history[2].eventId),
      });
      await source.waitForId(history[3].eventId);
      const live = await publish('Live');
      await source.waitForId(live.eventId);

      expect(source.ids).toEqual([history[3].eventId, live.eventId]);
    });

    it('should fall back to ?after= when Last-Event-ID is empty', async () => {
      const reader = await openRaw(url(String(history[2].eventId)), {
        headers: { 'Last-Event-ID': '' },
      });
      await reader.waitForId(history[3].eventId);
      const live = await publish('Live');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([history[3].eventId, live.eventId]);
    });

    it('should send only new events without a cursor', async () => {
      const reader = await openRaw(url());
      const live = await publish('After connecting');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([live.eventId]);
      expect(reader.durableEvents.map((event) => event.event)).toEqual(['post']);
    });

    it('should send nothing old when the cursor is the newest event', async () => {
      const newest = await newestEventId();
      const reader = await openRaw(url(String(newest)));
      const live = await publish('Live');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([live.eventId]);
    });
  });

  describe('bad cursors', () => {
    beforeEach(async () => {
      await start();
      await publish('One');
      await publish('Two');
      // The newest event of the log belongs to another blog: the reset carries the newest id
      // of the whole log, the point from which this reader follows.
      await publish('Elsewhere', otherSlug);
    });

    const cases: Array<[string, { after?: string; lastEventId?: string }]> = [
      ['after=abc', { after: 'abc' }],
      ['after=-1', { after: '-1' }],
      ['after=1.5', { after: '1.5' }],
      ['after=+1', { after: '+1' }],
      ['after=1e3', { after: '1e3' }],
      ['an after= of 4,000 digits', { after: '9'.repeat(4000) }],
      ['an after= beyond Number.MAX_SAFE_INTEGER', { after: '9007199254740993' }],
      ['Last-Event-ID: x (even with a good ?after=)', { after: '1', lastEventId: 'x' }],
    ];

    it.each(cases)(
      'should open with a reset for %s, then follow live events',
      async (_name, cursor) => {
        const newest = await newestEventId();
        const reader = await openRaw(
          url(cursor.after),
          cursor.lastEventId === undefined
            ? {}
            : { headers: { 'Last-Event-ID': cursor.lastEventId } },
        );
        await reader.waitFor((body) => body.durableEvents.length >= 1, 'the reset');
        const live = await publish('Live');
        await reader.waitForId(live.eventId);

        const [reset, ...rest] = reader.durableEvents;
        expect(reset).toEqual({ event: 'reset', id: String(newest), data: expect.any(String) });
        expect(JSON.parse(reset.data)).toEqual({
          reason: expect.any(String),
          epoch: expect.any(String),
        });
        expect(JSON.parse(reset.data).reason).not.toBe('');
        expect(reader.text.startsWith(`retry: 3000\n\nid: ${newest}\nevent: reset\ndata: {`)).toBe(
          true,
        );
        // Once the reset is out, the reader is live and learns how many read along.
        expect(reader.events[1]).toEqual({
          event: 'readers',
          id: undefined,
          data: '{"readers":1}',
        });
        expect(rest.map((event) => [event.event, Number(event.id)])).toEqual([
          ['post', live.eventId],
        ]);
      },
    );

    it('should open with a reset for a cursor newer than the newest event', async () => {
      const newest = await newestEventId();
      const reader = await openRaw(url(String(newest + 1000)));
      await reader.waitFor((body) => body.durableEvents.length >= 1, 'the reset');
      const live = await publish('Live');
      await reader.waitForId(live.eventId);

      expect(reader.durableEvents.map((event) => [event.event, Number(event.id)])).toEqual([
        ['reset', newest],
        ['post', live.eventId],
      ]);
      expect(JSON.parse(reader.durableEvents[0].data).reason).toMatch(/newer/);
    });

    it('should let an EventSource client resume from the reset id', async () => {
      const newest = await newestEventId();
      const source = openEventSource(url('abc'));
      await source.waitFor((reader) => reader.messages.length >= 1, 'the reset');
      const live = await publish('Live');
      await source.waitForId(live.eventId);

      expect(source.messages.map((message) => [message.type, message.lastEventId])).toEqual([
        ['reset', String(newest)],
        ['post', String(live.eventId)],
      ]);
    });
  });

  describe('restart', () => {
    it('should replay from the log after the app restarts on the same database file', async () => {
      await start();
      const before = [await publish('One'), await publish('Two'), await publish('Three')];
      const elsewhere = await publish('Elsewhere', otherSlug);
      writer.close();
      await app().close();

      testApp = await startTestApp(dataDir);
      writer = new ApiWriter(testApp, token);
      const reader = await openRaw(url(String(before[0].eventId)));
      await reader.waitForId(before[2].eventId);
      const live = await publish('After the restart');
      await reader.waitForId(live.eventId);

      expect(reader.ids).toEqual([before[1].eventId, before[2].eventId, live.eventId]);
      // Ids keep growing across the restart: the log is in the database.
      expect(live.eventId).toBeGreaterThan(elsewhere.eventId);
      expect(JSON.parse(reader.durableEvents[0].data)).toEqual({ post: before[1].post });
    });
  });

  describe('graceful shutdown', () => {
    it('should end open streams so that close() finishes, with a 200 stream, not a 204', async () => {
      await start();
      const raw = await openRaw(url());
      const source = openEventSource(url());
      await source.waitForOpen();
      const live = await publish('Before shutdown');
      await raw.waitForId(live.eventId);
      await source.waitForId(live.eventId);
      writer.close();

      const closing = app();
      testApp = undefined;
      await within(closing.close(), 4000, 'testApp.close() with open streams');

      await raw.waitForEnd();
      expect(raw.status).toBe(200);
      expect(raw.ids).toEqual([live.eventId]);
      // The EventSource client saw the end and is trying to reconnect, as a browser would.
      await source.waitFor((reader) => reader.errors.length > 0, 'the end of the stream');
      expect(source.readyState).not.toBe(2);
    });
  });
});
