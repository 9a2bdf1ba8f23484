import { DataSource, EntityManager } from 'typeorm';
import { openTestDatabase, saveEditorAndBlog, saveEntry } from '../../test/support/test-database';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';
import { LogEvent } from '../event-log/log-event.entity';
import { Post } from '../posts/post.entity';
import { Transactions } from './transactions';

interface Fixture {
  dataSource: DataSource;
  transactions: Transactions;
  blog: Blog;
  author: User;
}

/** Undone after each test, newest first. */
const cleanups: Array<() => Promise<void> | void> = [];

/** A migrated database file, with one user and one blog in it. */
async function setUp(): Promise<Fixture> {
  const database = await openTestDatabase();
  cleanups.push(() => database.remove());
  const { dataSource } = database;
  const { author, blog } = await saveEditorAndBlog(dataSource);
  return {
    dataSource,
    transactions: new Transactions(dataSource),
    blog,
    author,
  };
}

/** An event row for the entry, as the event log writes one. */
function appendEvent(manager: EntityManager, { blog }: Fixture, post: Post): Promise<LogEvent> {
  return manager.save(
    manager.create(LogEvent, {
      blogId: blog.id,
      type: 'post',
      postId: post.id,
      payload: JSON.stringify({ postId: post.id }),
      createdAt: new Date(),
    }),
  );
}

/** The newest event id, read outside any transaction. */
async function newestEventId({ dataSource }: Fixture): Promise<number> {
  const newest = await dataSource.getRepository(LogEvent).maximum('id');
  return newest ?? 0;
}

/** What is in the tables, read outside any transaction. */
async function stored({ dataSource }: Fixture): Promise<{ posts: string[]; events: number[] }> {
  const posts = await dataSource.getRepository(Post).find({ order: { id: 'ASC' } });
  const events = await dataSource.getRepository(LogEvent).find({ order: { id: 'ASC' } });
  return { posts: posts.map((post) => post.body), events: events.map((event) => event.postId) };
}

afterEach(async () => {
  for (let cleanup = cleanups.pop(); cleanup; cleanup = cleanups.pop()) await cleanup();
});

describe(Transactions.name, () => {
  describe('run', () => {
    it('should roll back the post and its event when the unit of work throws', async () => {
      const fixture = await setUp();
      const failure = new Error('failed after writing');

      await expect(
        fixture.transactions.run(async (manager) => {
          await appendEvent(manager, fixture, await saveEntry(manager, fixture, 'rolled back'));
          throw failure;
        }),
      ).rejects.toBe(failure);

      await expect(stored(fixture)).resolves.toEqual({ posts: [], events: [] });
      await expect(newestEventId(fixture)).resolves.toBe(0);
    });

    it('should commit the post and its event together', async () => {
      const fixture = await setUp();

      const event = await fixture.transactions.run(async (manager) =>
        appendEvent(manager, fixture, await saveEntry(manager, fixture, 'committed')),
      );

      const { posts, events } = await stored(fixture);
      expect(posts).toEqual(['committed']);
      expect(events).toHaveLength(1);
      await expect(newestEventId(fixture)).resolves.toBe(event.id);
    });

    it('should keep concurrent units of work apart, so one failing does not undo the other', async () => {
      const fixture = await setUp();
      const failure = new Error('first one fails');

      const [first, second] = await Promise.allSettled([
        fixture.transactions.run(async (manager) => {
          await appendEvent(manager, fixture, await saveEntry(manager, fixture, 'first'));
          throw failure;
        }),
        fixture.transactions.run(async (manager) =>
          appendEvent(manager, fixture, await saveEntry(manager, fixture, 'second')),
        ),
      ]);

      expect(first).toEqual({ status: 'rejected', reason: failure });
      expect(second.status).toBe('fulfilled');
      const { posts, events } = await stored(fixture);
      expect(posts).toEqual(['second']);
      expect(events).toHaveLength(1);
    });
  });
});
