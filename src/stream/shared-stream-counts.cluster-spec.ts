import { setTimeout as sleep } from 'node:timers/promises';
import { TestRedis } from '../../test/support/redis';
import { SharedStreamCounts } from './shared-stream-counts';

const ADDRESS = '203.0.113.9';

describe(SharedStreamCounts.name, () => {
  const redis = new TestRedis();
  const started: SharedStreamCounts[] = [];

  /** One process's counts, refreshed as a running process's are. */
  function runningProcess(ttlMs?: number, processId?: string): SharedStreamCounts {
    const counts = new SharedStreamCounts(redis.process(processId), ttlMs);
    counts.start();
    started.push(counts);
    return counts;
  }

  async function openMany(counts: SharedStreamCounts, times: number, cap: number) {
    const opened: boolean[] = [];
    for (let i = 0; i < times; i++) opened.push(await counts.tryOpen(ADDRESS, cap));
    return opened;
  }

  afterEach(async () => {
    await Promise.all(started.splice(0).map((counts) => counts.stop()));
    await redis.deleteAll();
  });

  describe('tryOpen', () => {
    it('should cap the streams of an address across processes', async () => {
      const [first, second] = [runningProcess(), runningProcess()];

      expect(await openMany(first, 2, 3)).toEqual([true, true]);
      expect(await openMany(second, 2, 3)).toEqual([true, false]);
      expect(await first.tryOpen(ADDRESS, 3)).toBe(false);
      expect(await second.tryOpen('203.0.113.10', 3)).toBe(true);
    });

    it('should admit again once a stream closes on another process', async () => {
      const [first, second] = [runningProcess(), runningProcess()];
      await openMany(first, 3, 3);
      expect(await second.tryOpen(ADDRESS, 3)).toBe(false);

      await first.close(ADDRESS);
      expect(await second.tryOpen(ADDRESS, 3)).toBe(true);
      expect(await first.tryOpen(ADDRESS, 3)).toBe(false);
    });

    it('should count streams opened at once on two processes no more than the cap', async () => {
      const [first, second] = [runningProcess(), runningProcess()];
      const attempts = Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? first : second).tryOpen(ADDRESS, 5),
      );
      const opened = await Promise.all(attempts);
      expect(opened.filter(Boolean)).toHaveLength(5);
    });
  });

  describe('refresh', () => {
    it('should stop counting the streams of a process that died, after its TTL', async () => {
      const ttlMs = 300;
      const living = runningProcess(ttlMs);
      // Never started: it stops refreshing at once, as a process killed with -9 would.
      const dying = new SharedStreamCounts(redis.process(), ttlMs);
      expect(await openMany(dying, 2, 3)).toEqual([true, true]);
      expect(await openMany(living, 2, 3)).toEqual([true, false]);

      await sleep(ttlMs + 50);
      // The living process's own stream is still counted, refreshed meanwhile.
      expect(await openMany(living, 3, 3)).toEqual([true, true, false]);
    });

    it('should write its counts again when Redis has lost them', async () => {
      const [first, second] = [runningProcess(), runningProcess()];
      await openMany(first, 3, 3);
      await redis.admin.del(...(await redis.admin.keys(`${redis.prefix}*`)));
      expect(await second.tryOpen(ADDRESS, 3)).toBe(true);
      await second.close(ADDRESS);

      await first.refresh();
      expect(await second.tryOpen(ADDRESS, 3)).toBe(false);
    });
  });

  describe('stop', () => {
    it("should forget the process's streams at once", async () => {
      const first = runningProcess(undefined, 'first');
      const second = runningProcess(undefined, 'second');
      await openMany(first, 3, 3);

      await first.stop();
      expect(await openMany(second, 4, 3)).toEqual([true, true, true, false]);
      expect(await redis.keys()).toEqual(['streams:process:second', 'streams:processes']);
    });
  });
});
