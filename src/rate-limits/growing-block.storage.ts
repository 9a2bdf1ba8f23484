import { ThrottlerStorageService } from '@nestjs/throttler';

/** How long a block is remembered: one that follows within this is twice as long. */
export const STRIKES_REMEMBERED_MS = 24 * 60 * 60 * 1000;
/** Growing blocks stop growing at this. */
export const GROWING_BLOCK_MAX_MS = 60 * 60 * 1000;
/** Bounds the memory of past blocks: beyond it the oldest are forgotten first. */
const MAX_REMEMBERED = 100_000;

interface Strikes {
  count: number;
  lastAt: number;
}

/**
 * The throttler's in-memory storage, with blocks that grow: for the named limits each block
 * that follows another within a day lasts twice as long (up to an hour), so a guesser who
 * waits out a block gets fewer and fewer tries.
 */
export class GrowingBlockStorage extends ThrottlerStorageService {
  private readonly strikes = new Map<string, Strikes>();

  constructor(private readonly growingLimits: readonly string[]) {
    super();
  }

  override async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): ReturnType<ThrottlerStorageService['increment']> {
    if (!this.growingLimits.includes(throttlerName)) {
      return super.increment(key, ttl, limit, blockDuration, throttlerName);
    }
    const now = Date.now();
    let strikes = this.strikes.get(key);
    if (strikes && now - strikes.lastAt > STRIKES_REMEMBERED_MS) {
      this.strikes.delete(key);
      strikes = undefined;
    }
    const wasBlocked = this.storage.get(key)?.isBlocked ?? false;
    const growing = Math.min(blockDuration * 2 ** (strikes?.count ?? 0), GROWING_BLOCK_MAX_MS);
    const record = await super.increment(key, ttl, limit, growing, throttlerName);
    if (record.isBlocked && !wasBlocked) this.remember(key, (strikes?.count ?? 0) + 1, now);
    return record;
  }

  private remember(key: string, count: number, now: number): void {
    this.strikes.delete(key);
    this.strikes.set(key, { count, lastAt: now });
    if (this.strikes.size > MAX_REMEMBERED) {
      this.strikes.delete(this.strikes.keys().next().value!);
    }
  }
}
