import Database from 'better-sqlite3';
import { DataSource, EntityManager } from 'typeorm';
import { openTestDatabase, saveEditorAndBlog, saveEntry } from '../../test/support/test-database';
import { User } from '../auth/user.entity';
import { Blog } from '../blogs/blog.entity';
import { LogEvent } from '../event-log/log-event.entity';
import { Post } from '../posts/post.entity';
import { StorageStatus } from './storage-status';
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
      epoch: 'Qm9vdHN0cmFwcGVk',
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

    it('should commit the writes after one that SQLite rolled back by itself, as after a full disk', async () => {
      const fixture = await setUp();
      // SQLite ends the transaction itself on SQLITE_FULL; RAISE(ROLLBACK) does the same.
      await fixture.dataSource.query(
        `CREATE TEMP TRIGGER "refuse" BEFORE INSERT ON main."posts" WHEN NEW."body" = 'refused'
         BEGIN SELECT RAISE(ROLLBACK, 'refused'); END`,
      );
      await expect(
        fixture.transactions.run((manager) => saveEntry(manager, fixture, 'refused')),
      ).rejects.toThrow('refused');
      await expect(
        fixture.transactions.run(async (manager) => {
          await saveEntry(manager, fixture, 'undone');
          throw new Error('a later write fails');
        }),
      ).rejects.toThrow('a later write fails');

      await fixture.transactions.run((manager) => saveEntry(manager, fixture, 'kept'));

      // Read by another connection: only a committed write is there.
      const other = new Database(fixture.dataSource.options.database as string, { readonly: true });
      const bodies = other.prepare('SELECT "body" FROM "posts"').pluck().all();
      other.close();
      expect(bodies).toEqual(['kept']);
    });

    it('should tell StorageStatus of a write the storage refused, until one succeeds', async () => {
      const { dataSource } = await setUp();
      const storageStatus = new StorageStatus();
      const transactions = new Transactions(dataSource, storageStatus);
      const diskFull = Object.assign(new Error('database or disk is full'), {
        code: 'SQLITE_FULL',
      });

      await expect(transactions.run(() => Promise.reject(diskFull))).rejects.toBe(diskFull);
      expect(storageStatus.current()).toEqual({ failure: 'disk-full', since: expect.any(Date) });
      await expect(transactions.run(() => Promise.reject(new Error('a bug')))).rejects.toThrow();
      expect(storageStatus.current()?.failure).toBe('disk-full');

      await transactions.run((manager) => manager.query('SELECT 1'));
      expect(storageStatus.current()).toBeNull();
    });
  });
});
