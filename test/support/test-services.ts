import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

/**
 * The PostgreSQL and Redis the cluster tests run on (npm run test:cluster): the local services
 * unless TEST_POSTGRES_URL / TEST_REDIS_URL say otherwise. Each test database is created here
 * and dropped by its test.
 */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when the e2e suites run on PostgreSQL + Redis instead of SQLite (test:cluster). */
export const onPostgres = process.env.LIVEBLOG_TEST_DATABASE === 'postgres';

/** Runs `work` on a connection of its own to the database at `url`, closed after. */
async function connectedTo<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestPostgres {
  name: string;
  url: string;
  /** Runs `work` on a connection of its own to this database, closed after. */
  connected<T>(work: (client: Client) => Promise<T>): Promise<T>;
  /** Ends whatever is still connected to it, and drops it. */
  drop(): Promise<void>;
}

/** A new, empty database of its own. */
export async function createTestPostgres(): Promise<TestPostgres> {
  const name = `liveblog_test_${randomBytes(6).toString('hex')}`;
  const server = `${POSTGRES_URL}/postgres`;
  const url = `${POSTGRES_URL}/${name}`;
  await connectedTo(server, (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url,
    connected: (work) => connectedTo(url, work),
    drop: async () => {
      await connectedTo(server, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    },
  };
}

/**
 * A Redis database index of this test worker's own, so tests running side by side share no
 * limit or figure. (Redis has 16 numbered databases; 0 is left to people.)
 */
export function workerRedisUrl(database = Number(process.env.JEST_WORKER_ID ?? 1)): string {
  return `${REDIS_URL}/${database}`;
}

/** Empties a Redis database, so nothing of an earlier test is seen. */
export async function emptyRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true });
  await redis.connect();
  await redis.flushdb();
  redis.disconnect();
}
