import request from 'supertest';
import { LessThanOrEqual } from 'typeorm';
import { DatabaseEpoch } from '../src/database/database-epoch';
import { readSetting } from '../src/database/settings';
import { Transactions } from '../src/database/transactions';
import { PRUNED_THROUGH_SETTING } from '../src/event-log/event-log.service';
import { LogEvent } from '../src/event-log/log-event.entity';
import { LogRetention, PRUNE_BATCH_SIZE } from '../src/event-log/log-retention.service';
import { createApiToken, createBlog, createUser, eventRows, signIn } from './support/factories';
import { ApiWriter, EventSourceReader, streamUrl, waitUntil } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';

const RETENTION = { LOG_RETENTION_DAYS: '7', API_WRITE_RATE_LIMIT: '10000' };
const DAY_MS = 24 * 60 * 60 * 1000;

/** Makes the log's events up to `throughId` look `days` old, as if written back then. */
async function ageEvents(testApp: TestApp, throughId: number, days = 10): Promise<void> {
  await testApp.database
    .getRepository(LogEvent)
    .update(
      { id: LessThanOrEqual(throughId) },
      { createdAt: new Date(Date.now() - days * DAY_MS) },
    );
}

async function blogOf(testApp: TestApp): Promise<{ slug: string; writer: ApiWriter }> {
  const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
  const { slug } = await createBlog(testApp, token);
  return { slug, writer: new ApiWriter(testApp, token) };
}

describe('A bounded event log (LOG_RETENTION_DAYS)', () => {
  describe('after a start that pruned events older than the retention', () => {
    const pool = new TestAppPool();
    const readers: EventSourceReader[] = [];
    let testApp: TestApp;
    let slug: string;
    let writes: Array<{ post: Record<string, any>; eventId: number }>;

    const follow = (after: number) => {
      const reader = new EventSourceReader(streamUrl(testApp, slug, String(after)));
      readers.push(reader);
      return reader;
    };

    beforeAll(async () => {
      const dataDir = pool.dataDir();
      testApp = await pool.startIn(dataDir, RETENTION);
      const blog = await blogOf(testApp);
      slug = blog.slug;
      writes = [];
      for (const body of ['One', 'Two', 'Three', 'Four', 'Five']) {
        writes.push(await blog.writer.publish(slug, body));
      }
      blog.writer.close();
      await ageEvents(testApp, writes[2].eventId);
      await pool.close(testApp);
      // A fresh process: nothing of the log in memory, a replay reads the database.
      testApp = await pool.startIn(dataDir, RETENTION);
      await waitUntil(
        async () => (await eventRows(testApp)).length === 2,
        () => 'the pruning at start',
      );
    });

    afterAll(async () => {
      for (const reader of readers) reader.close();
      await pool.closeAll();
    });

    it('should have deleted the old events only, and kept every entry', async () => {
      expect((await eventRows(testApp)).map((row) => row.id)).toEqual([
        writes[3].eventId,
        writes[4].eventId,
      ]);
      const { body } = await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200);
      expect(body.posts.map((post: { body: string }) => post.body)).toEqual([
        'Five',
        'Four',
        'Three',
        'Two',
        'One',
      ]);
    });

    it('should reset a stream whose cursor is older than the log keeps', async () => {
      const reader = follow(writes[0].eventId);

      await reader.waitFor((r) => r.messages.length > 0, 'the first event');

      expect(reader.messages[0]).toEqual({
        type: 'reset',
        lastEventId: String(writes[4].eventId),
        data: expect.any(String),
      });
      expect(JSON.parse(reader.messages[0].data)).toEqual({
        reason: 'The cursor is older than what the log keeps',
        epoch: expect.any(String),
      });
      const live = await publishOne();
      await reader.waitForId(live);
      expect(reader.messages.map((m) => m.type)).toEqual(['reset', 'post']);
    });

    it('should replay exactly from a cursor within what the log keeps', async () => {
      const newest = (await eventRows(testApp)).at(-1)!.id;
      const reader = follow(writes[2].eventId);

      await reader.waitForId(newest);

      expect(reader.messages.map((m) => m.type)).not.toContain('reset');
      expect(reader.ids).toEqual(
        (await eventRows(testApp)).map((row) => row.id).filter((id) => id > writes[2].eventId),
      );
    });

    async function publishOne(): Promise<number> {
      const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
      const writer = new ApiWriter(testApp, token);
      try {
        return (await writer.publish(slug, 'Live')).eventId;
      } finally {
        writer.close();
      }
    }
  });

  describe('pruning', () => {
    const pool = new TestAppPool();

    afterEach(() => pool.closeAll());

    it('should never delete the newest event of the log', async () => {
      const testApp = await pool.start(RETENTION);
      const { slug, writer } = await blogOf(testApp);
      await writer.publish(slug, 'One');
      const newest = (await writer.publish(slug, 'Two')).eventId;
      writer.close();
      await ageEvents(testApp, newest);

      const pruning = await testApp.app.get(LogRetention).prune();

      expect(pruning.prunedThrough).toBe(newest - 1);
      expect((await eventRows(testApp)).map((row) => row.id)).toEqual([newest]);
    });

    it('should delete in small batches, publishes answering between them throughout', async () => {
      const testApp = await pool.start(RETENTION);
      const { slug, writer } = await blogOf(testApp);
      const old = 40 * PRUNE_BATCH_SIZE;
      const { id: blogId } = await request(testApp.url)
        .get(`/api/blogs/${slug}`)
        .expect(200)
        .then((r) => r.body.blog as { id: number });
      await insertOldEvents(testApp, blogId, old);
      const transactions = testApp.app.get(Transactions);
      /** How far the committed batches have pruned: read in turn with the writes. */
      const prunedSoFar = () =>
        transactions.run(async (manager) =>
          Number(await readSetting(manager, PRUNED_THROUGH_SETTING)),
        );

      let pruned = false;
      const pruning = testApp.app
        .get(LogRetention)
        .prune()
        .finally(() => (pruned = true));
      const answeredWhilePruning: boolean[] = [];
      const prunedWhenAnswered: number[] = [];
      const published: number[] = [];
      for (let index = 0; index < 5; index += 1) {
        published.push((await writer.publish(slug, `During ${index}`)).eventId);
        answeredWhilePruning.push(!pruned);
        prunedWhenAnswered.push(await prunedSoFar());
      }
      const { batches, prunedThrough } = await pruning;
      writer.close();

      expect(batches.reduce((sum, count) => sum + count, 0)).toBe(old);
      expect(Math.max(...batches)).toBeLessThanOrEqual(PRUNE_BATCH_SIZE);
      // Every publish answered while pruning ran, none waited for it to end...
      expect(answeredWhilePruning).toEqual([true, true, true, true, true]);
      // ...batches ran between the publishes, and went on after the last one.
      expect(prunedWhenAnswered[0]).toBeLessThan(prunedWhenAnswered[4]);
      expect(prunedWhenAnswered[4]).toBeLessThan(prunedThrough);
      expect((await eventRows(testApp)).map((row) => row.id)).toEqual(published);
    });

    it('should keep every event without LOG_RETENTION_DAYS', async () => {
      const testApp = await pool.start();
      const { slug, writer } = await blogOf(testApp);
      const { eventId } = await writer.publish(slug, 'Kept');
      await writer.publish(slug, 'Kept too');
      writer.close();
      await ageEvents(testApp, eventId, 10_000);

      const pruning = await testApp.app.get(LogRetention).prune();

      expect(pruning.batches).toEqual([]);
      expect(await eventRows(testApp)).toHaveLength(2);
    });
  });
});

/** `count` events of a blog, old enough to be pruned, written straight into the log. */
async function insertOldEvents(testApp: TestApp, blogId: number, count: number): Promise<void> {
  const repository = testApp.database.getRepository(LogEvent);
  const createdAt = new Date(Date.now() - 30 * DAY_MS);
  const epoch = testApp.app.get(DatabaseEpoch).id;
  for (let start = 0; start < count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - start) }, (_, index) =>
      repository.create({
        blogId,
        type: 'delete',
        postId: start + index + 1,
        payload: JSON.stringify({ postId: start + index + 1 }),
        createdAt,
        epoch,
      }),
    );
    await repository.insert(rows);
  }
}
