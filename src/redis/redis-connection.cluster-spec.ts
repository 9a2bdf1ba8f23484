import { once } from 'node:events';
import { TEST_REDIS_URL, TestRedis } from '../../test/support/redis';
import { DEFAULT_REDIS_PREFIX, RedisConnection } from './redis-connection';

describe(RedisConnection.name, () => {
  const redis = new TestRedis();

  afterEach(() => redis.deleteAll());

  it('should name keys and channels under its prefix, channels with the database too', async () => {
    const connection = new RedisConnection(`${TEST_REDIS_URL}/3`);
    try {
      expect(connection.key('seen', 'reader-a')).toBe(`${DEFAULT_REDIS_PREFIX}seen:reader-a`);
      // Pub/sub ignores the database index: servers on two databases must not hear each other.
      expect(connection.channel('figures')).toBe(`${DEFAULT_REDIS_PREFIX}db3:figures`);
    } finally {
      await connection.close();
    }
  });

  it('should give each process an id of its own', () => {
    expect(redis.process().processId).not.toBe(redis.process().processId);
  });

  it('should close its subscribers with it', async () => {
    const connection = redis.process();
    const subscriber = connection.subscriber();
    await subscriber.subscribe(connection.channel('test'));
    const ended = [connection.client, subscriber].map((client) => once(client, 'end'));

    await connection.close();
    await Promise.all(ended);
  });

  it('should survive a Redis it cannot reach, and fail only the commands sent', async () => {
    const unreachable = new RedisConnection('redis://127.0.0.1:1');
    try {
      await expect(unreachable.client.get('key')).rejects.toThrow(/max retries/);
    } finally {
      await unreachable.close();
    }
  });

  it('should tell of each error of each connection, by its role, for the metrics', async () => {
    const errors: string[] = [];
    const unreachable = new RedisConnection('redis://127.0.0.1:1', {
      onError: (role) => errors.push(role),
    });
    try {
      unreachable.subscriber();
      await expect(unreachable.client.get('key')).rejects.toThrow(/max retries/);

      expect(errors.filter((role) => role === 'commands').length).toBeGreaterThanOrEqual(2);
      expect(errors).toContain('pubsub');
      expect(new Set(errors)).toEqual(new Set(['commands', 'pubsub']));
    } finally {
      await unreachable.close();
    }
  });
});
