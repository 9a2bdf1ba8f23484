import { filter, firstValueFrom } from 'rxjs';
import { Transactions } from '../database/transactions';
import { EventBus } from '../event-log/event-bus';
import { type BlogFigures, readersNow } from '../event-log/events';
import { Post } from '../posts/post.entity';
import { FiguresRelay } from '../redis/figures-relay';
import {
  openTestDatabase,
  saveEditorAndBlog,
  saveEntry,
  type TestDatabase,
} from '../../test/support/test-database';
import { TestRedis } from '../../test/support/redis';
import { ViewCounter } from './view-counter.service';
import { MetricsService } from '../metrics/metrics.service';

/** No blog has it: the blog of the test's markers. */
const MARKER_BLOG_ID = -1;

/** What one process of the server holds for counting views: its bus, relay and counter. */
interface CountingProcess {
  bus: EventBus;
  relay: FiguresRelay;
  counter: ViewCounter;
  /** Every figure its bus carried, in order. */
  figures: BlogFigures[];
}

describe(`${ViewCounter.name} on several processes`, () => {
  const redis = new TestRedis();
  let database: TestDatabase;
  let transactions: Transactions;
  let blogId: number;
  let entryIds: number[];

  beforeAll(async () => {
    database = await openTestDatabase();
    transactions = new Transactions(database.dataSource);
    const editorAndBlog = await saveEditorAndBlog(database.dataSource);
    blogId = editorAndBlog.blog.id;
    const manager = database.dataSource.manager;
    entryIds = [];
    for (const body of ['First', 'Second', 'Third']) {
      entryIds.push((await saveEntry(manager, editorAndBlog, body)).id);
    }
  });

  afterAll(() => database.remove());

  afterEach(async () => {
    await redis.deleteAll();
    await database.dataSource.getRepository(Post).update(entryIds, { views: 0 });
  });

  /** A process on the shared database (SQLite stands in for PostgreSQL) and the shared Redis. */
  async function startProcess(): Promise<CountingProcess> {
    const connection = redis.process();
    const bus = new EventBus();
    const relay = new FiguresRelay(connection, bus);
    await relay.onModuleInit();
    const posts = database.dataSource.getRepository(Post);
    const counter = new ViewCounter(
      posts,
      transactions,
      bus,
      new MetricsService(),
      connection,
      relay,
    );
    const figures: BlogFigures[] = [];
    bus.figures$
      .pipe(filter((figure) => figure.blogId !== MARKER_BLOG_ID))
      .subscribe((figure) => figures.push(figure));
    return { bus, relay, counter, figures };
  }

  async function viewsOf(ids: number[]): Promise<number[]> {
    const posts = await database.dataSource.getRepository(Post).findBy({});
    return ids.map((id) => posts.find((post) => post.id === id)!.views);
  }

  /**
   * Waits until a marker published after everything else has reached every bus: Redis
   * delivers a channel's messages in order, so whatever was published before it is in.
   */
  async function settled(processes: CountingProcess[]): Promise<void> {
    const arrived = processes.map((process) =>
      firstValueFrom(
        process.bus.figures$.pipe(filter((figure) => figure.blogId === MARKER_BLOG_ID)),
      ),
    );
    await processes[0].relay.publish(readersNow(MARKER_BLOG_ID, 0));
    await Promise.all(arrived);
  }

  describe('report', () => {
    it('should count a reader once per entry, whichever process they report to', async () => {
      const [first, second] = [await startProcess(), await startProcess()];
      const [entry1, entry2, entry3] = entryIds;

      await first.counter.report(blogId, 'reader-a', [entry1, entry2]);
      await second.counter.report(blogId, 'reader-a', [entry2, entry3]);
      await second.counter.report(blogId, 'reader-b', [entry1]);
      await first.counter.report(blogId, 'reader-b', [entry1]);
      await first.counter.flush();
      await second.counter.flush();

      expect(await viewsOf(entryIds)).toEqual([2, 1, 1]);
    });
  });

  describe('flush', () => {
    it("should bring the new totals to every process's bus, once each", async () => {
      const [first, second] = [await startProcess(), await startProcess()];
      await second.counter.report(blogId, 'reader-a', [entryIds[0]]);
      await first.counter.report(blogId, 'reader-b', [entryIds[0], entryIds[1]]);

      await first.counter.flush();
      await second.counter.flush();
      await settled([first, second]);

      const totals = (process: CountingProcess) => process.figures.map((figure) => figure.data);
      const expected = [
        { counts: { [entryIds[0]]: 1, [entryIds[1]]: 1 } },
        { counts: { [entryIds[0]]: 2 } },
      ];
      expect(totals(first)).toEqual(expected);
      expect(totals(second)).toEqual(expected);
      expect(first.figures.map((figure) => figure.blogId)).toEqual([blogId, blogId]);
    });
  });
});
