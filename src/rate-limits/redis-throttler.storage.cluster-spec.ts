import { setTimeout as sleep } from 'node:timers/promises';
import { RedisConnection } from '../redis/redis-connection';
import { TestRedis } from '../../test/support/redis';
import { RedisThrottlerStorage } from './redis-throttler.storage';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe(RedisThrottlerStorage.name, () => {
  const redis = new TestRedis();

  afterEach(() => redis.deleteAll());

  /** Two processes' storages on one Redis. */
  function twoProcesses(): [RedisThrottlerStorage, RedisThrottlerStorage] {
    return [
      new RedisThrottlerStorage(redis.process(), ['sign-in']),
      new RedisThrottlerStorage(redis.process(), ['sign-in']),
    ];
  }

  describe('increment', () => {
    it('should share one limit between processes, and the block that follows', async () => {
      const [first, second] = twoProcesses();
      const key = 'sign-in:address:203.0.113.9';
      for (let attempt = 1; attempt <= 10; attempt++) {
        const storage = attempt % 2 === 0 ? second : first;
        const record = await storage.increment(key, MINUTE, 10, MINUTE, 'sign-in');
        expect(record).toMatchObject({ totalHits: attempt, isBlocked: false });
      }

      const blocked = await second.increment(key, MINUTE, 10, MINUTE, 'sign-in');
      expect(blocked).toMatchObject({ isBlocked: true, timeToBlockExpire: 60 });
      expect(await first.increment(key, MINUTE, 10, MINUTE, 'sign-in')).toMatchObject({
        isBlocked: true,
      });
      expect(
        await first.increment('sign-in:address:203.0.113.10', MINUTE, 10, MINUTE, 'sign-in'),
      ).toMatchObject({ totalHits: 1, isBlocked: false });
    });

    it('should double each block that follows another, wherever the client is counted', async () => {
      const [first, second] = twoProcesses();
      const key = 'sign-in:account:reader@example.test';
      const block = 300;
      const hit = (storage: RedisThrottlerStorage) =>
        storage.increment(key, MINUTE, 1, block, 'sign-in');
      await hit(first);
      expect((await hit(second)).isBlocked).toBe(true);
      await sleep(block + 50);
      // The base block is over, and with it the window: the limit is whole again.
      expect(await hit(first)).toMatchObject({ totalHits: 1, isBlocked: false });

      expect((await hit(second)).isBlocked).toBe(true);
      await sleep(block + 50);
      expect((await hit(first)).isBlocked).toBe(true);
      await sleep(block);
      expect((await hit(second)).isBlocked).toBe(false);
    });

    it('should keep blocks of limits that do not grow as they are', async () => {
      const [first, second] = twoProcesses();
      const key = 'views:address:203.0.113.9';
      const block = 300;
      for (let round = 0; round < 2; round++) {
        await first.increment(key, MINUTE, 1, block, 'views');
        expect((await second.increment(key, MINUTE, 1, block, 'views')).isBlocked).toBe(true);
        await sleep(block + 50);
      }
      expect((await first.increment(key, MINUTE, 1, block, 'views')).isBlocked).toBe(false);
    });

    it('should never block for longer than an hour', async () => {
      const [storage] = twoProcesses();
      await storage.increment('k', MINUTE, 1, 2 * HOUR, 'sign-in');
      const record = await storage.increment('k', MINUTE, 1, 2 * HOUR, 'sign-in');
      expect(record).toMatchObject({ isBlocked: true, timeToBlockExpire: 3600 });
    });

    it('should keep nothing longer than what it holds needs', async () => {
      const [storage] = twoProcesses();
      await storage.increment('sign-in:address:203.0.113.9', MINUTE, 1, MINUTE, 'sign-in');
      await storage.increment('sign-in:address:203.0.113.9', MINUTE, 1, MINUTE, 'sign-in');
      const keys = await redis.keys();
      expect(keys).toEqual([
        'rate:sign-in:sign-in:address:203.0.113.9:block',
        'rate:sign-in:sign-in:address:203.0.113.9:strikes',
      ]);
      const ttls = await Promise.all(keys.map((key) => redis.admin.pttl(redis.prefix + key)));
      expect(ttls[0]).toBeGreaterThan(MINUTE - 5000);
      expect(ttls[0]).toBeLessThanOrEqual(MINUTE);
      expect(ttls[1]).toBeGreaterThan(24 * HOUR - 5000);
    });

    it('should count in each process alone while Redis cannot be reached', async () => {
      const unreachable = new RedisConnection('redis://127.0.0.1:1', { prefix: redis.prefix });
      const storage = new RedisThrottlerStorage(unreachable, ['sign-in']);
      try {
        expect((await storage.increment('k', MINUTE, 1, MINUTE, 'sign-in')).isBlocked).toBe(false);
        expect((await storage.increment('k', MINUTE, 1, MINUTE, 'sign-in')).isBlocked).toBe(true);
      } finally {
        storage.onApplicationShutdown();
        await unreachable.close();
      }
    });
  });
});
