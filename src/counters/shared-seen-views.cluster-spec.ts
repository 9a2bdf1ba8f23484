import { setTimeout as sleep } from 'node:timers/promises';
import { TestRedis } from '../../test/support/redis';
import { SEEN_TTL_S, SharedSeenViews } from './shared-seen-views';

describe(SharedSeenViews.name, () => {
  const redis = new TestRedis();

  afterEach(() => redis.deleteAll());

  describe('firstViews', () => {
    it('should give the entries a reader had not viewed, on any process', async () => {
      const [first, second] = [redis.process(), redis.process()];
      const [seenByFirst, seenBySecond] = [new SharedSeenViews(first), new SharedSeenViews(second)];

      expect(await seenByFirst.firstViews('reader-a', [1, 2])).toEqual([1, 2]);
      expect(await seenBySecond.firstViews('reader-a', [2, 3, 3])).toEqual([3]);
      expect(await seenBySecond.firstViews('reader-b', [1])).toEqual([1]);
      expect(await seenByFirst.firstViews('reader-a', [1, 2, 3])).toEqual([]);
      expect(await seenByFirst.firstViews('reader-a', [])).toEqual([]);
    });

    it("should keep one set per reader, expiring a day after the reader's last report", async () => {
      const seen = new SharedSeenViews(redis.process());
      await seen.firstViews('reader-a', [10, 11]);

      expect(await redis.keys()).toEqual(['seen:reader-a']);
      const key = `${redis.prefix}seen:reader-a`;
      expect((await redis.admin.smembers(key)).sort()).toEqual(['10', '11']);
      expect(await redis.admin.ttl(key)).toBeGreaterThan(SEEN_TTL_S - 5);
    });

    it('should count a view again once the reader has been away for the TTL', async () => {
      const seen = new SharedSeenViews(redis.process(), 1);
      await seen.firstViews('reader-a', [1]);
      await sleep(600);
      // A report refreshes the reader's set: still remembered a TTL after it.
      expect(await seen.firstViews('reader-a', [1, 2])).toEqual([2]);
      await sleep(500);
      expect(await seen.firstViews('reader-a', [1])).toEqual([]);

      await sleep(1200);
      expect(await seen.firstViews('reader-a', [1, 2])).toEqual([1, 2]);
    });
  });
});
