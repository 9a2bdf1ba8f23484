import type Redis from 'ioredis';
import { createHash } from 'node:crypto';

/**
 * A Lua script run by its SHA1 (EVALSHA), sent in full only when Redis does not know it yet
 * (after a restart, say): one round trip, atomic, without resending the source each time.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

/** A script's answer as the array of integers it returns. */
export function integers(reply: unknown): number[] {
  if (Array.isArray(reply) && reply.every((item): item is number => typeof item === 'number')) {
    return reply;
  }
  throw new TypeError(`Expected an array of integers from Redis, got ${String(reply)}`);
}
