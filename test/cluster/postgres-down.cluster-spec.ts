import { Client } from 'pg';
import request from 'supertest';
import { createBlog, createUser, issueApiToken, publishPost } from '../support/factories';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres';
import { RawSseReader, streamUrl, waitUntil } from '../support/sse-client';
import { dropTestDatabases, TestAppPool, type TestApp } from '../support/test-app';
import { emptyRedis, workerRedisUrl } from '../support/test-services';

/**
 * PostgreSQL stopped and started again, and made read-only and writable again, for real, under
 * a running app: its own server in a temp folder (the shared one stays up for the other
 * tests), the shared Redis on a database of this worker's own.
 */

const HEARTBEAT_MS = 1000;
/** The pool and the event log's listener reconnect within a second; /health probes every 5 s. */
const RECOVERY_MS = 20_000;
const WRITTEN_WHILE_DOWN = 'Written while PostgreSQL is down';

describe('PostgreSQL down or read-only, then back', () => {
  let postgres: PrivatePostgres;
  const apps = new TestAppPool();
  let env: Record<string, string>;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  let reader: RawSseReader;
  let entries: Array<{ id: number; eventId: number }>;
  const api = () => request(testApp.url);

  /** Runs `work` on a connection of its own to the test's database, past the app. */
  async function onDatabase<T>(work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: postgres.url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** The entries and events as PostgreSQL has them. */
  function stored(): Promise<{ posts: string[]; events: Array<[string, number]> }> {
    return onDatabase(async (client) => {
      const posts = await client.query<{ body: string }>(
        'SELECT "body" FROM "posts" ORDER BY "id"',
      );
      const events = await client.query<{ type: string; postId: number }>(
        'SELECT "type", "postId" FROM "events" ORDER BY "id"',
      );
      return {
        posts: posts.rows.map((row) => row.body),
        events: events.rows.map((row) => [row.type, row.postId]),
      };
    });
  }

  /** Sets a server-wide default and reloads: every session, pooled ones too, takes it. */
  async function setServerDefault(setting: string, value: 'on' | 'off'): Promise<void> {
    await onDatabase(async (client) => {
      await client.query(`ALTER SYSTEM SET ${setting} = ${value}`);
      await client.query('SELECT pg_reload_conf()');
    });
    // A session reloads before its next statement; ask as many at once as the pool holds.
    await waitUntil(
      async () => {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            testApp.database.query<Array<Record<string, string>>>(`SHOW ${setting}`),
          ),
        );
        return answers.every(([row]) => row[setting] === value);
      },
      () => `every pooled session to have ${setting} ${value}`,
    );
  }

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    const redisUrl = workerRedisUrl();
    await emptyRedis(redisUrl);
    env = {
      DATABASE_URL: postgres.url,
      REDIS_URL: redisUrl,
      SSE_HEARTBEAT_MS: String(HEARTBEAT_MS),
    };
    testApp = await apps.start(env);
    const admin = await createUser(testApp, { role: 'admin' });
    token = await issueApiToken(testApp, admin);
    slug = (await createBlog(testApp, token)).slug;
    reader = await RawSseReader.connect(streamUrl(testApp, slug));
    entries = [];
    for (const body of ['Before the outage', 'Still before it']) {
      const { post, eventId } = await publishPost(testApp, token, slug, { body });
      entries.push({ id: post.id as number, eventId });
    }
    await reader.waitForEntryEvents(2);
  });

  afterAll(async () => {
    reader?.close();
    await apps.closeAll();
    await postgres?.remove();
    // Under test:cluster the pool also made a database on the shared server; unused, dropped.
    await dropTestDatabases();
  });

  it('should answer 503 with Retry-After while it is down, keep streams beating, and take writes again once it is back', async () => {
    await postgres.stop();
    const heartbeatsBefore = reader.comments.length;

    const publish = await api()
      .post(`/api/blogs/${slug}/posts`)
      .auth(token, { type: 'bearer' })
      .send({ body: WRITTEN_WHILE_DOWN });
    expect(publish.status).toBe(503);
    expect(publish.headers['retry-after']).toBe('30');
    expect(publish.body).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message:
        'The server cannot save changes right now: its database cannot be reached. Try again in a moment.',
    });

    const read = await api().get(`/api/blogs/${slug}/posts`);
    expect(read.status).toBe(503);
    expect(read.headers['retry-after']).toBe('30');
    expect(read.body.message).toBe(
      'The server cannot read its data right now: its database cannot be reached. Try again in a moment.',
    );

    const health = await api().get('/health');
    expect(health.status).toBe(503);
    // The ping says it; no write got as far as the database (the token is read first).
    expect(health.body.details).toMatchObject({ database: { status: 'down' } });

    await reader.waitFor(
      (body) => body.comments.length >= heartbeatsBefore + 2,
      'two heartbeats while PostgreSQL is down',
    );
    expect(reader.ended).toBe(false);

    await postgres.start();

    await waitUntil(
      async () => (await api().get('/health')).status === 200,
      () => '/health to answer 200 once PostgreSQL is back',
      RECOVERY_MS,
    );
    const after = await publishPost(testApp, token, slug, { body: 'After the outage' });
    await reader.waitForId(after.eventId);
    // An entry from another process reaches this one's readers: its listener is back.
    const otherProcess = await apps.start(env);
    const fromOther = await publishPost(otherProcess, token, slug, {
      body: 'From another process',
    });
    await reader.waitForId(fromOther.eventId);
    expect(reader.ids).toEqual([
      ...entries.map((entry) => entry.eventId),
      after.eventId,
      fromOther.eventId,
    ]);
    expect(reader.ended).toBe(false);

    // Nothing half-written: each entry has its one event, the refused one is in neither.
    await expect(stored()).resolves.toEqual({
      posts: ['Before the outage', 'Still before it', 'After the outage', 'From another process'],
      events: [
        ...entries.map((entry) => ['post', entry.id]),
        ['post', after.post.id],
        ['post', fromOther.post.id],
      ],
    });
  });

  it('should answer 503 while PostgreSQL is read-only, and report writes back on /health by itself', async () => {
    const before = await stored();
    await setServerDefault('default_transaction_read_only', 'on');

    const publish = await api()
      .post(`/api/blogs/${slug}/posts`)
      .auth(token, { type: 'bearer' })
      .send({ body: 'Written while PostgreSQL is read-only' });
    expect(publish.status).toBe(503);
    expect(publish.headers['retry-after']).toBe('30');
    expect(publish.body.message).toBe(
      'The server cannot save changes right now: its storage is read-only. Try again in a moment; nothing was saved.',
    );
    const health = await api().get('/health');
    expect(health.status).toBe(503);
    expect(health.body.details).toMatchObject({
      database: { status: 'up' },
      storage: { status: 'down', failure: 'read-only' },
    });
    await expect(stored()).resolves.toEqual(before);

    await setServerDefault('default_transaction_read_only', 'off');
    // No write is sent meanwhile: /health's own probe finds that writes work again.
    await waitUntil(
      async () => (await api().get('/health')).status === 200,
      () => '/health to answer 200 once PostgreSQL takes writes',
      RECOVERY_MS,
    );
    const after = await publishPost(testApp, token, slug, { body: 'Writable again' });
    await reader.waitForId(after.eventId);
    expect(reader.ids.at(-1)).toBe(after.eventId);
    expect(new Set(reader.ids).size).toBe(reader.ids.length);
  });
});
