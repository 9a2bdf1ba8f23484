import { filter, firstValueFrom, timeout } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBus } from '../event-log/event-bus';
import type { BlogFigures } from '../event-log/events';
import { TestRedis } from '../../test/support/redis';
import { SharedReaderCounts } from './shared-reader-counts';

/** Short enough for a test to outwait; each process reports every EVERY_MS. */
const TTL_MS = 400;
const EVERY_MS = 50;
const BLOG = 7;

describe(SharedReaderCounts.name, () => {
  const redis = new TestRedis();
  const running: SharedReaderCounts[] = [];

  afterEach(async () => {
    for (const counts of running.splice(0)) counts.stop();
    await redis.deleteAll();
  });

  /** A process's readers-now, its bus, and every figure the bus carried. */
  function startProcess(processId?: string) {
    const bus = new EventBus();
    const counts = new SharedReaderCounts(bus, redis.process(processId), {
      ttlMs: TTL_MS,
      everyMs: EVERY_MS,
    });
    const figures: BlogFigures[] = [];
    bus.figures$.subscribe((figure) => figures.push(figure));
    counts.start();
    running.push(counts);
    return { bus, counts, figures };
  }

  /** The readers figure of the blog this bus carries next that says `readers`. */
  function readersFigure(bus: EventBus, readers: number, blogId = BLOG): Promise<BlogFigures> {
    return firstValueFrom(
      bus.figures$.pipe(
        filter((figure) => figure.blogId === blogId && figure.type === 'readers'),
        filter((figure) => figure.type === 'readers' && figure.data.readers === readers),
        timeout(5000),
      ),
    );
  }

  it('should publish to each process the readers of all processes', async () => {
    const [first, second] = [startProcess(), startProcess()];
    const seenByFirst = readersFigure(first.bus, 5);
    const seenBySecond = readersFigure(second.bus, 5);
    first.counts.note(BLOG, 2);
    second.counts.note(BLOG, 3);
    second.counts.note(BLOG + 1, 1);

    await Promise.all([seenByFirst, seenBySecond]);
    expect(first.counts.total(BLOG, 2)).toBe(5);
    // A blog the first process has no readers of: it knows the total, and publishes nothing.
    expect(first.counts.total(BLOG + 1, 0)).toBe(1);
    expect(first.figures.some((figure) => figure.blogId === BLOG + 1)).toBe(false);
  });

  it('should publish a total only when it changed', async () => {
    const [first, second] = [startProcess(), startProcess()];
    first.counts.note(BLOG, 1);
    second.counts.note(BLOG, 1);
    await readersFigure(first.bus, 2);
    await sleep(5 * EVERY_MS);

    const oneMore = readersFigure(first.bus, 3);
    second.counts.note(BLOG, 2);
    await oneMore;
    const totals = first.figures.map((figure) => figure.type === 'readers' && figure.data.readers);
    expect(totals.slice(totals.indexOf(2))).toEqual([2, 3]);
  });

  it('should stop counting the readers of a process that died, after its TTL', async () => {
    const living = startProcess();
    // Reports once and never again, as a process killed with -9 would.
    const dying = new SharedReaderCounts(new EventBus(), redis.process(), { ttlMs: TTL_MS });
    dying.note(BLOG, 4);
    await dying.refresh();
    living.counts.note(BLOG, 1);
    await readersFigure(living.bus, 5);

    const diedAt = Date.now();
    await readersFigure(living.bus, 1);
    expect(Date.now() - diedAt).toBeLessThan(TTL_MS + 10 * EVERY_MS);
  });

  it("should forget a process's readers as soon as it stops", async () => {
    const [first, second] = [startProcess(), startProcess()];
    first.counts.note(BLOG, 1);
    second.counts.note(BLOG, 2);
    await readersFigure(first.bus, 3);

    const stoppedAt = Date.now();
    second.counts.stop();
    await readersFigure(first.bus, 1);
    expect(Date.now() - stoppedAt).toBeLessThan(TTL_MS);
  });

  it('should keep no counts in Redis for a process without readers', async () => {
    const idle = startProcess('idle');
    const reading = startProcess('reading');
    reading.counts.note(BLOG, 1);
    await readersFigure(reading.bus, 1);
    idle.counts.note(BLOG, 1);
    idle.counts.note(BLOG, 0);
    await sleep(3 * EVERY_MS);

    expect(await redis.keys()).toEqual(['readers:process:reading', 'readers:processes']);
  });
});
