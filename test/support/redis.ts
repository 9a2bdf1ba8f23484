import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { RedisConnection } from '../../src/redis/redis-connection';

/** The Redis the cluster specs run against: TEST_REDIS_URL, or the local one. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Connections standing for processes of one server, on a key prefix of their own so that
 * specs running at once never meet; deleteAll() closes them and deletes every key they made.
 */
export class TestRedis {
  readonly prefix = `liveblog-test:${randomBytes(6).toString('hex')}:`;
  private readonly connections: RedisConnection[] = [];
  private adminClient?: Redis;

  /** A connection as one process of the server would have. */
  process(processId?: string): RedisConnection {
    const connection = new RedisConnection(TEST_REDIS_URL, { prefix: this.prefix, processId });
    this.connections.push(connection);
    return connection;
  }

  /** A connection of the test's own, to look at what the processes keep. */
  get admin(): Redis {
    return (this.adminClient ??= new Redis(TEST_REDIS_URL));
  }

  /** The keys made under the prefix, without it, sorted. */
  async keys(): Promise<string[]> {
    const found = await this.admin.keys(`${this.prefix}*`);
    return found.map((key) => key.slice(this.prefix.length)).sort();
  }

  async deleteAll(): Promise<void> {
    await Promise.all(this.connections.splice(0).map((connection) => connection.close()));
    const found = await this.admin.keys(`${this.prefix}*`);
    if (found.length > 0) await this.admin.del(...found);
    await this.adminClient?.quit();
    this.adminClient = undefined;
  }
}
