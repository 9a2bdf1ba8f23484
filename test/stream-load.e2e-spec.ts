import { StreamService } from '../src/stream/stream.service';
import { createApiToken, createBlog, createUser, eventRows, signIn } from './support/factories';
import {
  ApiWriter,
  connectStalledReader,
  EventSourceReader,
  RawSseReader,
  streamUrl,
  waitUntil,
} from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** Ids of a blog's events newer than `after`, as the log holds them. */
async function logIds(testApp: TestApp, blogId: number, after: number): Promise<number[]> {
  return (await eventRows(testApp))
    .filter((row) => row.blogId === blogId && row.id > after)
    .map((row) => row.id);
}

describe('The stream under load', () => {
  let dataDir: string;
  let testApp: TestApp;
  let writer: ApiWriter;
  let slug: string;
  let blogId: number;
  let otherSlug: string;
  let streams: StreamService;
  const readers: Array<{ close(): void }> = [];

  const url = (after?: string) => streamUrl(testApp, slug, after);

  beforeEach(async () => {
    dataDir = makeDataDir();
    // One client address opens every stream and publishes every entry here.
    testApp = await startTestApp(dataDir, {
      SSE_MAX_PER_ADDRESS: '100000',
      API_WRITE_RATE_LIMIT: '100000',
    });
    const editor = await createUser(testApp);
    const token = await createApiToken(await signIn(testApp, editor));
    const blog = await createBlog(testApp, token);
    slug = blog.slug;
    blogId = blog.id;
    otherSlug = (await createBlog(testApp, token)).slug;
    writer = new ApiWriter(testApp, token);
    streams = testApp.app.get(StreamService);
  });

  afterEach(async () => {
    for (const reader of readers.splice(0)) reader.close();
    writer.close();
    await testApp.close();
    removeDataDir(dataDir);
  });

  it('should replay 1,200 events (more than one replay page) in order, exactly once, then go live', async () => {
    const first = await writer.publish(slug, 'Before the cursor');
    const cursor = first.eventId;
    await writer.publishMany(slug, 1200, { concurrency: 4 });
    const behind = await logIds(testApp, blogId, cursor);
    expect(behind).toHaveLength(1200);

    // 1,200, 1,000 and exactly 500 events behind: past, on and at a replay page boundary.
    const positions = [cursor, behind[199], behind[699]];
    const replaying = await Promise.all(
      positions.map((after) => RawSseReader.connect(url(String(after)))),
    );
    readers.push(...replaying);
    // One more hangs up as soon as its replay arrives: released, and nothing breaks.
    const leaving = await RawSseReader.connect(url(String(cursor)));
    readers.push(leaving);
    await leaving.waitFor((body) => body.durableEvents.length > 0, 'the first replayed event');
    leaving.close();

    const newest = behind[behind.length - 1];
    await Promise.all(replaying.map((reader) => reader.waitForId(newest, 15_000)));
    const live = await writer.publish(slug, 'Live after the replay');
    await Promise.all(replaying.map((reader) => reader.waitForId(live.eventId)));

    const all = [...behind, live.eventId];
    expect(replaying[0].ids).toEqual(all);
    expect(replaying[1].ids).toEqual(all.slice(200));
    expect(replaying[2].ids).toEqual(all.slice(700));
    const payloads = (await eventRows(testApp))
      .filter((row) => row.blogId === blogId && row.id > cursor)
      .map((row) => row.payload);
    expect(replaying[0].durableEvents.map((event) => event.data)).toEqual(payloads);
    await waitUntil(
      () => streams.openStreams(blogId) === 3,
      () => `3 open streams, not ${streams.openStreams(blogId)}`,
    );
  }, 30_000);

  it('should replay megabytes to readers that read, at their pace, while entries are published', async () => {
    // 200 entries of about 40 KB a frame: 7 MB to replay, far beyond the 1 MiB bound of unsent
    // bytes, which is for readers that stop reading, not for those resuming from far back.
    const filler = 'The match goes on, and the crowd sings. '.repeat(500);
    const backlog = await writer.publishMany(slug, 200, {
      concurrency: 2,
      body: (index) => `Entry ${index}: ${filler}`.slice(0, 19_000),
    });
    const tenth = backlog.map((write) => write.eventId).sort((a, b) => a - b)[9];

    const fromStart = await RawSseReader.connect(url('0'));
    const fromTenth = await RawSseReader.connect(url('0'), {
      headers: { 'Last-Event-ID': String(tenth) },
    });
    const source = new EventSourceReader(url('0'));
    // And one that stops reading in the middle of its replay: it must not hold up the others.
    const stalled = await connectStalledReader(testApp, slug, '0');
    readers.push(fromStart, fromTenth, source, { close: () => stalled.socket.destroy() });
    // Published while the replays go on: held back, then each sent once, in order.
    const live = await writer.publishMany(slug, 30, { concurrency: 2 });
    const newest = live[live.length - 1].eventId;
    await Promise.all([
      ...[fromStart, fromTenth].map((reader) =>
        reader.waitFor(
          (body) => body.ids.includes(newest) || body.ended,
          'the replay and the live entries',
          15_000,
        ),
      ),
      source.waitFor((reader) => reader.ids.includes(newest), 'everything', 15_000),
    ]);
    const last = await writer.publish(slug, 'The last one');
    await fromStart.waitForId(last.eventId);
    await fromTenth.waitForId(last.eventId);
    await source.waitForId(last.eventId);

    const all = await logIds(testApp, blogId, 0);
    expect(fromStart.ids).toEqual(all);
    expect(fromTenth.ids).toEqual(all.filter((id) => id > tenth));
    expect(source.ids).toEqual(all);
    expect(fromStart.ended).toBe(false);
    expect(fromStart.bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(source.errors).toEqual([]);
    expect(streams.openStreams(blogId)).toBe(4);

    // Once the stalled reader hangs up, its stream is released, its replay given up.
    stalled.socket.destroy();
    await waitUntil(
      () => streams.openStreams(blogId) === 3,
      () => `3 open streams, not ${streams.openStreams(blogId)}`,
    );
  }, 30_000);

  it('should give 60 readers connecting with one cursor while entries are published the same complete ordered list', async () => {
    const before = await writer.publishMany(slug, 10, { concurrency: 1 });
    const cursor = before[2].eventId;
    const readerCount = 60;
    const minimumPublished = 40;
    const raw: RawSseReader[] = [];
    const sources: EventSourceReader[] = [];
    let published = 0;

    // Readers connect one lane after another, 3 lanes at a time; one in six is an EventSource.
    let opened = 0;
    const connectLane = async () => {
      while (opened < readerCount) {
        const index = opened++;
        if (index % 6 === 5) {
          const source = new EventSourceReader(url(String(cursor)));
          readers.push(source);
          sources.push(source);
          await source.waitForOpen();
        } else {
          const reader = await RawSseReader.connect(url(String(cursor)));
          readers.push(reader);
          raw.push(reader);
        }
      }
    };
    // Publishing, edits and another blog's entries go on until every reader is connected and
    // at least 40 entries are out, so every connect overlaps with writes.
    let connected = false;
    const publishLane = async (lane: number) => {
      while ((!connected || published < minimumPublished) && published < 400) {
        const write = await writer.publish(slug, `Concurrent ${lane}.${published++}`);
        if (published % 5 === 0) {
          await writer.edit(slug, write.post.id, { body: `Edited ${write.post.id}` });
        }
        if (published % 7 === 0) await writer.publish(otherSlug, 'Elsewhere');
      }
    };
    await Promise.all([
      Promise.all([connectLane(), connectLane(), connectLane()]).then(() => (connected = true)),
      ...[1, 2, 3, 4].map(publishLane),
    ]);
    expect(raw.length + sources.length).toBe(readerCount);
    expect(published).toBeGreaterThanOrEqual(minimumPublished);

    // A last event: once every reader has it, anything sent before it has arrived.
    const last = await writer.publish(slug, 'The last one');
    const expected = await logIds(testApp, blogId, cursor);
    expect(expected[expected.length - 1]).toBe(last.eventId);
    await Promise.all([
      ...raw.map((reader) => reader.waitForId(last.eventId)),
      ...sources.map((source) => source.waitForId(last.eventId)),
    ]);

    for (const reader of raw) expect(reader.ids).toEqual(expected);
    for (const source of sources) expect(source.ids).toEqual(expected);
    expect(streams.openStreams(blogId)).toBe(readerCount);
  }, 30_000);

  it('should hold 1,000 open streams and release every one once they close', async () => {
    const total = 1000;
    const opened: RawSseReader[] = [];
    for (let batch = 0; batch < total / 100; batch++) {
      opened.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => RawSseReader.connect(url())))),
      );
    }
    readers.push(...opened);
    expect(streams.openStreams()).toBe(total);
    expect(streams.openStreams(blogId)).toBe(total);

    const write = await writer.publish(slug, 'To a thousand readers');
    await Promise.all(opened.map((reader) => reader.waitForId(write.eventId)));

    for (const reader of opened) reader.close();
    await waitUntil(
      () => streams.openStreams() === 0,
      () => `no open stream, not ${streams.openStreams()}`,
    );
    expect(streams.openStreams(blogId)).toBe(0);
    // Publishing to nobody is fine.
    await writer.publish(slug, 'To nobody');
    expect(opened.every((reader) => reader.ids.length === 1)).toBe(true);
  }, 40_000);

  it('should drop a reader that stops reading, while the others get every event', async () => {
    const reader = await RawSseReader.connect(url());
    readers.push(reader);
    const stalled = await connectStalledReader(testApp, slug);
    readers.push({ close: () => stalled.socket.destroy() });
    await waitUntil(
      () => streams.openStreams(blogId) === 2,
      () => `2 open streams, not ${streams.openStreams(blogId)}`,
    );

    // About 40 KB a frame (Markdown source and HTML): the kernel's socket buffers take some MB,
    // then the server's bound of 1 MiB unsent, then the reader is dropped.
    const filler = 'The match goes on, and the crowd sings. '.repeat(500);
    const eventIds: number[] = [];
    let count = 0;
    const lane = async () => {
      while (streams.openStreams(blogId) > 1 && count < 800) {
        const index = count++;
        const write = await writer.publish(slug, `Entry ${index}: ${filler}`.slice(0, 19_000));
        eventIds.push(write.eventId);
      }
    };
    await Promise.all([lane(), lane()]);
    expect(count).toBeLessThan(800);
    await waitUntil(
      () => streams.openStreams(blogId) === 1,
      () => `the stalled reader dropped after ${count} entries`,
    );

    const last = await writer.publish(slug, 'After the drop');
    eventIds.push(last.eventId);
    await reader.waitForId(last.eventId, 20_000);
    expect(reader.ids).toEqual(eventIds.sort((a, b) => a - b));
    expect(reader.ended).toBe(false);
    expect(streams.openStreams(blogId)).toBe(1);
  }, 45_000);
});
