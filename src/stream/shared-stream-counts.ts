import { Logger } from '@nestjs/common';
import type { RedisConnection } from '../redis/redis-connection';
import { RedisScript } from '../redis/redis-script';

/** A process's counts outlive it by this at most (kill -9, lost host): then they vanish. */
export const PROCESS_COUNTS_TTL_MS = 15_000;

/**
 * Opens one stream if the address has fewer than `cap` open across live processes. KEYS: the
 * index of live processes (a sorted set, scored by when each expires), this process's counts
 * (a hash: address → open streams). ARGV: process id, address, this process's count before
 * this stream, cap, TTL (ms), the prefix of every process's counts key. Returns 1 if opened.
 * Counts are written whole (not incremented), so whatever order a refused stream's correction
 * and other writes arrive in, the last one says what this process holds.
 */
const OPEN = new RedisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local ttl = tonumber(ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local here = tonumber(ARGV[3])
local total = here
for _, process in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if process ~= ARGV[1] then
    total = total + (tonumber(redis.call('HGET', ARGV[6] .. process, ARGV[2])) or 0)
  end
end
if total >= tonumber(ARGV[4]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[2], here + 1)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`);

/**
 * Keeps this process listed and its counts alive for another TTL. KEYS: the index, this
 * process's counts. ARGV: process id, TTL. Returns 0 when its counts were gone (Redis
 * restarted, or they expired while this process was stalled): then they are written again.
 */
const REFRESH = new RedisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return redis.call('PEXPIRE', KEYS[2], ARGV[2])
`);

/**
 * Open streams per client address, summed over every process sharing the Redis. Each process
 * keeps its own counts in a hash of its own, `streams:process:<id>`, that expires unless
 * refreshed (every TTL / 3), and lists itself in `streams:processes`; a stream is admitted by
 * adding up the address's count of each live process, in one script. A process that dies
 * stops refreshing: its streams stop counting within a TTL. When Redis fails, a stream is
 * judged by this process's count alone (the cap is a protection, not a bill), and the counts
 * are written whole again once Redis answers.
 */
export class SharedStreamCounts {
  private readonly logger = new Logger(SharedStreamCounts.name);
  /** This process's open streams by address: the truth its Redis hash mirrors. */
  private readonly here = new Map<string, number>();
  private readonly index: string;
  private readonly mine: string;
  private readonly processPrefix: string;
  private timer?: NodeJS.Timeout;
  /** A write may have been lost: the next refresh writes every count whole. */
  private stale = false;
  private stopped = false;
  private redisFailing = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly ttlMs = PROCESS_COUNTS_TTL_MS,
  ) {
    this.index = redis.key('streams', 'processes');
    this.processPrefix = redis.key('streams', 'process', '');
    this.mine = this.processPrefix + redis.processId;
  }

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.ttlMs / 3);
    this.timer.unref();
  }

  /** Forgets this process's streams at once: the server is stopping, its readers go elsewhere. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    try {
      await this.redis.client.multi().del(this.mine).zrem(this.index, this.redis.processId).exec();
    } catch (error) {
      this.logger.warn(`Open streams of this process left to expire: ${String(error)}`);
    }
  }

  /** Counts one more stream of the address if fewer than `cap` are open in all; false if not. */
  async tryOpen(address: string, cap: number): Promise<boolean> {
    const before = this.here.get(address) ?? 0;
    if (before >= cap) return false;
    // Counted before asking, so that streams admitted meanwhile count this one.
    this.here.set(address, before + 1);
    let opened: boolean;
    try {
      const reply = await OPEN.run(
        this.redis.client,
        [this.index, this.mine],
        [this.redis.processId, address, before, cap, this.ttlMs, this.processPrefix],
      );
      opened = reply === 1;
      this.succeeded();
    } catch (error) {
      this.failed(error);
      opened = true;
    }
    if (!opened) await this.close(address);
    return opened;
  }

  /** Uncounts one stream of the address. */
  async close(address: string): Promise<void> {
    const left = (this.here.get(address) ?? 1) - 1;
    if (left > 0) this.here.set(address, left);
    else this.here.delete(address);
    if (this.stopped) return;
    try {
      if (left > 0) {
        await this.redis.client.hset(this.mine, address, left);
      } else {
        await this.redis.client.hdel(this.mine, address);
      }
      this.succeeded();
    } catch (error) {
      this.failed(error);
    }
  }

  /** Keeps this process's counts alive, and writes them whole when Redis lost them. */
  async refresh(): Promise<void> {
    if (this.stopped) return;
    try {
      const kept = await REFRESH.run(
        this.redis.client,
        [this.index, this.mine],
        [this.redis.processId, this.ttlMs],
      );
      if (((kept === 0 && this.here.size > 0) || this.stale) && !this.stopped) {
        await this.writeWhole();
      }
      this.succeeded();
    } catch (error) {
      this.failed(error);
    }
  }

  private async writeWhole(): Promise<void> {
    this.stale = false;
    const write = this.redis.client.multi().del(this.mine);
    if (this.here.size > 0) write.hset(this.mine, this.here).pexpire(this.mine, this.ttlMs);
    await write.exec();
  }

  private succeeded(): void {
    this.redisFailing = false;
  }

  private failed(error: unknown): void {
    this.stale = true;
    if (this.redisFailing) return;
    this.redisFailing = true;
    this.logger.warn(`Open streams counted per process while Redis fails: ${String(error)}`);
  }
}
