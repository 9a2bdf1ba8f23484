import { Logger } from '@nestjs/common';
import type { EventBus } from '../event-log/event-bus';
import { readersNow } from '../event-log/events';
import type { RedisConnection } from '../redis/redis-connection';
import { integers, RedisScript } from '../redis/redis-script';
import { PUBLISH_EVERY_MS, type ReaderTally } from './reader-counts';

/** A process's readers outlive it by this at most (kill -9, lost host): then they vanish. */
export const READER_COUNTS_TTL_MS = 10_000;

/**
 * Writes this process's readers per blog and answers how many read each blog on the other live
 * processes. KEYS: the index of live processes (a sorted set scored by when each expires),
 * this process's counts (a hash: blog id → readers). ARGV: process id, TTL (ms), the prefix of
 * every process's counts key, then blog id and readers for each blog this process has readers
 * on. Returns blog id and the other processes' readers, for each blog they have readers on.
 */
const REPORT = new RedisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[2])
redis.call('DEL', KEYS[2])
for i = 4, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
if #ARGV > 3 then
  redis.call('PEXPIRE', KEYS[2], ttl)
end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local sums = {}
local blogs = {}
for _, process in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if process ~= ARGV[1] then
    local counts = redis.call('HGETALL', ARGV[3] .. process)
    for i = 1, #counts, 2 do
      local blog = counts[i]
      if sums[blog] == nil then
        sums[blog] = 0
        blogs[#blogs + 1] = blog
      end
      sums[blog] = sums[blog] + tonumber(counts[i + 1])
    end
  end
end
local reply = {}
for _, blog in ipairs(blogs) do
  reply[#reply + 1] = tonumber(blog)
  reply[#reply + 1] = sums[blog]
end
return reply
`);

export interface SharedReaderCountsTiming {
  /** How long a process's counts outlive its last report. */
  ttlMs?: number;
  /** How often each process reports, and publishes what changed. */
  everyMs?: number;
}

/**
 * Readers-now over every process sharing the Redis. Each second a process writes its readers
 * per blog to a hash of its own, `readers:process:<id>`, that expires after 10 s unless
 * written again, lists itself in `readers:processes`, and learns in the same script call how
 * many read each blog on the other live processes (a few fields per process: one per blog
 * with readers there); then it publishes to its own readers, on its bus, the totals of their
 * blogs that changed. A process killed outright stops counting within 10 s; one that stops
 * cleanly deletes its counts at once.
 *
 * When Redis fails, the other processes' last known counts are used for a TTL, then dropped.
 */
export class SharedReaderCounts implements ReaderTally {
  private readonly logger = new Logger(SharedReaderCounts.name);
  /** This process's readers, of the blogs it has any on. */
  private readonly here = new Map<number, number>();
  /** The other live processes' readers, by blog, as last heard. */
  private others = new Map<number, number>();
  /** The total last published on this process's bus, per blog. */
  private readonly published = new Map<number, number>();
  private readonly index: string;
  private readonly processPrefix: string;
  private readonly mine: string;
  private readonly ttlMs: number;
  private readonly everyMs: number;
  private timer?: NodeJS.Timeout;
  private reporting = false;
  private heardAt = 0;
  private redisFailing = false;
  private stopped = false;

  constructor(
    private readonly eventBus: EventBus,
    private readonly redis: RedisConnection,
    timing: SharedReaderCountsTiming = {},
  ) {
    this.ttlMs = timing.ttlMs ?? READER_COUNTS_TTL_MS;
    this.everyMs = timing.everyMs ?? PUBLISH_EVERY_MS;
    this.index = redis.key('readers', 'processes');
    this.processPrefix = redis.key('readers', 'process', '');
    this.mine = this.processPrefix + redis.processId;
  }

  note(blogId: number, readers: number): void {
    if (readers > 0) this.here.set(blogId, readers);
    else this.here.delete(blogId);
  }

  start(): void {
    this.timer = setInterval(() => void this.refresh(), this.everyMs);
    this.timer.unref();
  }

  /** Deletes this process's counts: the server is stopping, its readers will go elsewhere. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.redis.client
      .multi()
      .del(this.mine)
      .zrem(this.index, this.redis.processId)
      .exec()
      .catch((error: unknown) => {
        this.logger.warn(`Readers of this process left to expire: ${String(error)}`);
      });
  }

  total(blogId: number, here: number): number {
    return here + (this.others.get(blogId) ?? 0);
  }

  /** Reports this process's readers, then publishes the totals that changed. */
  async refresh(): Promise<void> {
    // A slow Redis: skip a turn rather than pile reports up.
    if (this.reporting || this.stopped) return;
    this.reporting = true;
    try {
      await this.report();
    } finally {
      this.reporting = false;
    }
    this.publish();
  }

  private async report(): Promise<void> {
    try {
      const reply = integers(
        await REPORT.run(
          this.redis.client,
          [this.index, this.mine],
          [this.redis.processId, this.ttlMs, this.processPrefix, ...[...this.here].flat()],
        ),
      );
      this.others = new Map();
      for (let i = 0; i < reply.length; i += 2) this.others.set(reply[i], reply[i + 1]);
      this.heardAt = Date.now();
      this.redisFailing = false;
    } catch (error) {
      if (!this.redisFailing) {
        this.redisFailing = true;
        this.logger.warn(`Readers counted per process while Redis fails: ${String(error)}`);
      }
      if (Date.now() - this.heardAt > this.ttlMs) this.others.clear();
    }
  }

  private publish(): void {
    for (const [blogId, here] of this.here) {
      const total = this.total(blogId, here);
      if (this.published.get(blogId) === total) continue;
      this.published.set(blogId, total);
      this.eventBus.publishFigures(readersNow(blogId, total));
    }
    for (const blogId of this.published.keys()) {
      if (!this.here.has(blogId)) this.published.delete(blogId);
    }
  }
}
