import { Logger, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnection } from '../redis/redis-connection';
import { integers, RedisScript } from '../redis/redis-script';
import {
  GROWING_BLOCK_MAX_MS,
  GrowingBlockStorage,
  STRIKES_REMEMBERED_MS,
} from './growing-block.storage';

/**
 * One hit, atomically. KEYS: the hits of the current window, the block, the past blocks
 * (strikes). ARGV: ttl, limit, block duration (ms), 1 when blocks grow, how long strikes are
 * remembered, the longest block. Returns total hits, ms to the window's end, 1 if blocked, ms
 * to the block's end. While blocked, hits are not counted; a block ends the window, so the
 * client has its whole limit again after it (as the in-memory storage does).
 */
const HIT = new RedisScript(`
local ttl = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft > 0 then
  return {limit + 1, blockLeft, 1, blockLeft}
end
local hits = redis.call('INCR', KEYS[1])
local windowLeft = redis.call('PTTL', KEYS[1])
if windowLeft < 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
  windowLeft = ttl
end
if hits <= limit then
  return {hits, windowLeft, 0, 0}
end
local block = tonumber(ARGV[3])
if block <= 0 then
  return {hits, windowLeft, 1, windowLeft}
end
if ARGV[4] == '1' then
  local strikes = redis.call('INCR', KEYS[3])
  redis.call('PEXPIRE', KEYS[3], ARGV[5])
  block = math.min(block * 2 ^ (strikes - 1), tonumber(ARGV[6]))
end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], '1', 'PX', block)
return {hits, block, 1, block}
`);

/**
 * The throttler's storage in Redis, shared by every process: the same limits as
 * GrowingBlockStorage (fixed windows rather than its sliding ones), with the named limits'
 * blocks doubling with each block that follows another within a day, up to an hour. Keys
 * `rate:<limit>:<key>:{hits,block,strikes}`, each expiring with what it holds.
 *
 * Not @nest-lab/throttler-storage-redis: its script has no place for past blocks, and the
 * block's length must be chosen in the same atomic step that starts it, or two processes
 * seeing the same guesser would both start one.
 *
 * While Redis is away, each process counts on its own (GrowingBlockStorage): limits hold per
 * process rather than not at all, and requests are not refused for want of a count.
 */
export class RedisThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger(RedisThrottlerStorage.name);
  private readonly fallback: GrowingBlockStorage;
  private redisFailing = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly growingLimits: readonly string[],
  ) {
    this.fallback = new GrowingBlockStorage(growingLimits);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    try {
      const record = await this.incrementShared(key, ttl, limit, blockDuration, throttlerName);
      this.redisFailing = false;
      return record;
    } catch (error) {
      if (!this.redisFailing) {
        this.redisFailing = true;
        this.logger.warn(`Rate limits counted per process while Redis fails: ${String(error)}`);
      }
      return this.fallback.increment(key, ttl, limit, blockDuration, throttlerName);
    }
  }

  onApplicationShutdown(): void {
    this.fallback.onApplicationShutdown();
  }

  private async incrementShared(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorage['increment']> {
    const base = this.redis.key('rate', throttlerName, key);
    const growing = this.growingLimits.includes(throttlerName) ? 1 : 0;
    const [totalHits, windowLeft, isBlocked, blockLeft] = integers(
      await HIT.run(
        this.redis.client,
        [`${base}:hits`, `${base}:block`, `${base}:strikes`],
        [ttl, limit, blockDuration, growing, STRIKES_REMEMBERED_MS, GROWING_BLOCK_MAX_MS],
      ),
    );
    return {
      totalHits,
      timeToExpire: Math.ceil(windowLeft / 1000),
      isBlocked: isBlocked === 1,
      timeToBlockExpire: Math.ceil(blockLeft / 1000),
    };
  }
}
