import { DataSource } from 'typeorm';
import { openTestDatabase, saveEditorAndBlog, saveEntry } from '../../test/support/test-database';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';
import { DatabaseEpoch } from '../database/database-epoch';
import { Transactions } from '../database/transactions';
import { Post } from '../posts/post.entity';
import { EventBus } from './event-bus';
import { EventLog } from './event-log.service';
import { entryDeleted } from './events';
import { LocalLogFeed } from './local-log-feed';
import { LogEvent } from './log-event.entity';

interface Fixture {
  dataSource: DataSource;
  eventLog: EventLog;
  /** What the bus carried, in order. */
  published: LogEvent[];
  blog: Blog;
  author: User;
}

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
});

/** A migrated database file, with one user and one blog in it. */
async function setUp(): Promise<Fixture> {
  const database = await openTestDatabase();
  cleanups.push(() => database.remove());
  const { dataSource } = database;
  const { author, blog } = await saveEditorAndBlog(dataSource);
  const bus = new EventBus();
  const published: LogEvent[] = [];
  const subscription = bus.committed$.subscribe((event) => published.push(event));
  cleanups.push(() => subscription.unsubscribe());
  const feed = new LocalLogFeed(dataSource, bus);
  await feed.onModuleInit();
  const eventLog = new EventLog(
    dataSource.getRepository(LogEvent),
    new Transactions(dataSource),
    feed,
    await DatabaseEpoch.of(dataSource.manager),
  );
  return { dataSource, eventLog, published, blog, author };
}

/** Writes an entry and reports it with an event (any durable event will do here). */
function commitEntry(fixture: Fixture, body: string) {
  return fixture.eventLog.commit(async (manager) => {
    const post = await saveEntry(manager, fixture, body);
    return { change: post, event: entryDeleted(fixture.blog.id, post.id) };
  });
}

async function stored({ dataSource }: Fixture): Promise<{ posts: string[]; events: number[] }> {
  const posts = await dataSource.getRepository(Post).find({ order: { id: 'ASC' } });
  const events = await dataSource.getRepository(LogEvent).find({ order: { id: 'ASC' } });
  return { posts: posts.map((post) => post.body), events: events.map((event) => event.id) };
}

describe(EventLog.name, () => {
  describe('commit', () => {
    it('should commit the change and its event together, and answer with both', async () => {
      const fixture = await setUp();

      const { change, eventId } = await commitEntry(fixture, 'Kick-off');

      expect(change.body).toBe('Kick-off');
      await expect(stored(fixture)).resolves.toEqual({ posts: ['Kick-off'], events: [eventId] });
      const [logged] = await fixture.eventLog.readAfter(fixture.blog.id, 0, 10);
      expect(logged).toMatchObject({
        id: eventId,
        blogId: fixture.blog.id,
        type: 'delete',
        postId: change.id,
        payload: JSON.stringify({ postId: change.id }),
      });
    });

    it('should publish the event on the bus only once it has committed', async () => {
      const fixture = await setUp();
      let publishedDuringWork = -1;

      const { eventId } = await fixture.eventLog.commit(async (manager) => {
        const post = await saveEntry(manager, fixture, 'Kick-off');
        publishedDuringWork = fixture.published.length;
        return { change: post, event: entryDeleted(fixture.blog.id, post.id) };
      });

      expect(publishedDuringWork).toBe(0);
      expect(fixture.published.map((event) => event.id)).toEqual([eventId]);
    });

    it('should write and publish nothing when the work throws', async () => {
      const fixture = await setUp();
      const failure = new Error('failed after writing');

      await expect(
        fixture.eventLog.commit(async (manager) => {
          await saveEntry(manager, fixture, 'rolled back');
          throw failure;
        }),
      ).rejects.toBe(failure);

      await expect(stored(fixture)).resolves.toEqual({ posts: [], events: [] });
      expect(fixture.published).toEqual([]);
      await expect(fixture.eventLog.newestId()).resolves.toBe(0);
    });

    it('should keep concurrent commits apart and publish them in the order of their ids', async () => {
      const fixture = await setUp();

      const results = await Promise.allSettled([
        commitEntry(fixture, 'first'),
        fixture.eventLog.commit(() => Promise.reject(new Error('second fails'))),
        commitEntry(fixture, 'third'),
      ]);

      expect(results.map((result) => result.status)).toEqual([
        'fulfilled',
        'rejected',
        'fulfilled',
      ]);
      const { posts, events } = await stored(fixture);
      expect(posts).toEqual(['first', 'third']);
      expect(fixture.published.map((event) => event.id)).toEqual(events);
      expect(events[1]).toBeGreaterThan(events[0]);
    });

    it('should give strictly increasing ids that are not reused after the newest is deleted', async () => {
      const fixture = await setUp();
      const ids: number[] = [];
      for (const body of ['one', 'two', 'three'])
        ids.push((await commitEntry(fixture, body)).eventId);
      expect(ids[1]).toBeGreaterThan(ids[0]);
      expect(ids[2]).toBeGreaterThan(ids[1]);

      await fixture.dataSource.getRepository(LogEvent).delete({ id: ids[2] });
      await expect(fixture.eventLog.newestId()).resolves.toBe(ids[1]);

      const { eventId: next } = await commitEntry(fixture, 'four');
      expect(next).toBeGreaterThan(ids[2]);
      await expect(fixture.eventLog.newestId()).resolves.toBe(next);
    });
  });

  describe('readAfter', () => {
    it("should give a page of the blog's events after an id, oldest first", async () => {
      const fixture = await setUp();
      const ids: number[] = [];
      for (const body of ['a', 'b', 'c', 'd']) ids.push((await commitEntry(fixture, body)).eventId);

      const page = await fixture.eventLog.readAfter(fixture.blog.id, ids[0], 2);

      expect(page.map((event) => event.id)).toEqual([ids[1], ids[2]]);
      await expect(fixture.eventLog.readAfter(fixture.blog.id + 1, 0, 10)).resolves.toEqual([]);
    });
  });
});
