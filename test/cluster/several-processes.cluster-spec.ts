import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { READER_COOKIE } from '../../src/counters/reader-cookie';
import { phonePhoto, uploadPhoto } from '../support/photos';
import { sendRaw } from '../support/raw-http';
import { startServer, type ServerProcess } from '../support/server-process';
import { ApiWriter, RawSseReader, streamUrl, waitUntil } from '../support/sse-client';
import {
  createTestPostgres,
  emptyRedis,
  type TestPostgres,
  workerRedisUrl,
} from '../support/test-services';

/**
 * Several real server processes (`node dist/src/main.js`) on one PostgreSQL database and one
 * Redis, as behind a load balancer without sticky sessions: whichever process a request
 * reaches, the answer is the one a single server would give.
 */

const ADMIN = { email: 'chief@example.test', password: 'correct horse battery' };
/** A dead process's readers are gone from readers-now within ~10 s; this leaves room. */
const DEAD_READERS_GONE_MS = 20_000;

let database: TestPostgres;
let redisUrl: string;
const started: ServerProcess[] = [];
let a: ServerProcess;
let b: ServerProcess;
let c: ServerProcess;
let token: string;
let blogs = 0;

async function startProcess(): Promise<ServerProcess> {
  const server = await startServer({
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  started.push(server);
  return server;
}

async function killHard(server: ServerProcess): Promise<void> {
  server.child.kill('SIGKILL');
  await server.exited;
}

/** A session cookie and CSRF token, from a sign-in on `server` (the admin's by default). */
async function signIn(
  server: ServerProcess,
  account: { email: string; password: string } = ADMIN,
): Promise<{ cookie: string; csrfToken: string }> {
  const response = await request(server.url).post('/api/auth/login').send(account).expect(200);
  const [cookie] = (response.headers['set-cookie'] as unknown as string[]).map(
    (header) => header.split(';')[0],
  );
  return { cookie, csrfToken: response.body.csrfToken as string };
}

async function newBlog(server: ServerProcess): Promise<string> {
  const response = await request(server.url)
    .post('/api/blogs')
    .auth(token, { type: 'bearer' })
    .send({ title: `Election night ${++blogs}` })
    .expect(201);
  return response.body.blog.slug as string;
}

/** A reader's stream of a blog on one process, open and past its `retry:` line. */
function follow(server: ServerProcess, slug: string, lastEventId?: number): Promise<RawSseReader> {
  const headers: Record<string, string> =
    lastEventId === undefined ? {} : { 'Last-Event-ID': String(lastEventId) };
  return RawSseReader.connect(streamUrl(server, slug), { headers });
}

/**
 * Ends the listening connection of every process, as PostgreSQL's administrator could, once
 * all three have one (they reconnect half a second after a cut).
 */
async function cutListeners(): Promise<void> {
  const listeners = `FROM pg_stat_activity
    WHERE datname = $1 AND query LIKE 'LISTEN %' AND pid <> pg_backend_pid()`;
  await database.connected(async (client) => {
    await waitUntil(
      async () =>
        ((await client.query(`SELECT pid ${listeners}`, [database.name])).rowCount ?? 0) >= 3,
      () => 'three listening connections',
    );
    await client.query(`SELECT pg_terminate_backend(pid) ${listeners}`, [database.name]);
  });
}

async function newestEventId(slug: string): Promise<number> {
  const { rows } = await database.connected((client) =>
    client.query<{ newest: number }>(
      `SELECT MAX(e."id") AS "newest" FROM "events" e JOIN "blogs" b ON b."id" = e."blogId" WHERE b."slug" = $1`,
      [slug],
    ),
  );
  return rows[0].newest;
}

async function userIds(): Promise<Record<string, number>> {
  const { rows } = await database.connected((client) =>
    client.query<{ id: number; email: string }>('SELECT "id", "email" FROM "users"'),
  );
  return Object.fromEntries(rows.map((row) => [row.email, row.id]));
}

async function adminCount(): Promise<Record<string, number>> {
  const { rows } = await database.connected((client) =>
    client.query<{ admins: number }>(
      `SELECT COUNT(*)::int AS "admins" FROM "users" WHERE "role" = 'admin' AND "removedAt" IS NULL`,
    ),
  );
  return rows[0];
}

const entryIds = (reader: RawSseReader) => reader.entryEvents.map((event) => Number(event.id));

beforeAll(async () => {
  database = await createTestPostgres();
  redisUrl = workerRedisUrl();
  await emptyRedis(redisUrl);
  // Started together on a new database: each waits for the migration lock, one migrates.
  [a, b, c] = await Promise.all([startProcess(), startProcess(), startProcess()]);
  const session = await signIn(a);
  const created = await request(b.url)
    .post('/api/tokens')
    .set('Cookie', session.cookie)
    .set('X-CSRF-Token', session.csrfToken)
    .send({ name: 'Desk' })
    .expect(201);
  token = created.body.secret as string;
});

afterAll(async () => {
  await Promise.all(started.map((server) => killHard(server)));
  await database?.drop();
});

describe('Several processes on one PostgreSQL and one Redis', () => {
  it('should migrate a new database once when three processes start on it together', async () => {
    const { rows } = await database.connected((client) =>
      client.query<{ name: string }>('SELECT "name" FROM "migrations"'),
    );

    // Each migration once: "<timestamp>-<Name>.ts" is recorded as "<Name><timestamp>".
    const migrations = readdirSync(join(__dirname, '..', '..', 'migrations', 'postgres'))
      .map((file) => /^(\d+)-(\w+)\.ts$/.exec(file)!)
      .map(([, timestamp, name]) => `${name}${timestamp}`);
    expect(rows.map((row) => row.name).sort()).toEqual(migrations.sort());
  });

  it('should take a sign-in made on one process on every other, with no SESSION_SECRET given', async () => {
    const session = await signIn(c);

    for (const server of [a, b, c]) {
      const me = await request(server.url)
        .get('/api/auth/me')
        .set('Cookie', session.cookie)
        .expect(200);
      expect(me.body.user.email).toBe(ADMIN.email);
    }
  });

  it('should bring entries published on A to readers on B and C, once each and in order', async () => {
    const slug = await newBlog(a);
    const [onB, onC] = await Promise.all([follow(b, slug), follow(c, slug)]);
    const writer = new ApiWriter(a, token);

    const published: number[] = [];
    for (let i = 1; i <= 6; i++)
      published.push((await writer.publish(slug, `Result ${i}`)).eventId);
    await Promise.all([onB.waitForId(published[5]), onC.waitForId(published[5])]);
    writer.close();
    onB.close();
    onC.close();

    expect(entryIds(onB)).toEqual(published);
    expect(entryIds(onC)).toEqual(published);
  });

  it('should publish entries scheduled for one moment once each, with three processes polling', async () => {
    const slug = await newBlog(a);
    const [onA, onB] = await Promise.all([follow(a, slug), follow(b, slug)]);
    const publishAt = new Date(Date.now() + 2000).toISOString();
    const bodies = Array.from({ length: 12 }, (_, i) => `Result from district ${i + 1}`);
    for (const body of bodies) {
      await request(c.url)
        .post(`/api/blogs/${slug}/posts`)
        .auth(token, { type: 'bearer' })
        .send({ body, status: 'scheduled', publishAt })
        .expect(201);
    }
    await Promise.all([onA.waitForEntryEvents(12), onB.waitForEntryEvents(12)]);
    const { rows } = await database.connected((client) =>
      client.query<{ status: string; entries: number }>(
        `SELECT p."status", COUNT(*)::int AS "entries" FROM "posts" p
           JOIN "blogs" b ON b."id" = p."blogId" WHERE b."slug" = $1 GROUP BY p."status"`,
        [slug],
      ),
    );
    const newest = await newestEventId(slug);
    onA.close();
    onB.close();

    expect(rows).toEqual([{ status: 'published', entries: 12 }]);
    for (const reader of [onA, onB]) {
      const published = reader.entryEvents.map((event) => JSON.parse(event.data).post.body);
      expect(reader.entryEvents.every((event) => event.event === 'post')).toBe(true);
      expect([...published].sort()).toEqual([...bodies].sort());
      expect(Math.max(...entryIds(reader))).toBe(newest);
    }
  });

  it('should resume a reader on C from the cursor it got on A', async () => {
    const slug = await newBlog(a);
    const onA = await follow(a, slug);
    const writer = new ApiWriter(a, token);
    const seen = [(await writer.publish(slug, 'First')).eventId];
    seen.push((await writer.publish(slug, 'Second')).eventId);
    await onA.waitForId(seen[1]);
    onA.close();
    const missed: number[] = [];
    for (const body of ['Third', 'Fourth', 'Fifth']) {
      missed.push((await new ApiWriter(b, token).publish(slug, body)).eventId);
    }

    const onC = await follow(c, slug, entryIds(onA).at(-1));
    await onC.waitForId(missed[2]);
    onC.close();
    writer.close();

    expect(entryIds(onA)).toEqual(seen);
    expect(onC.durableEvents.map((event) => `${event.event}#${event.id}`)).toEqual(
      missed.map((id) => `post#${id}`),
    );
  });

  it('should resume on C from a cursor A gave a moment ago, never resetting the reader', async () => {
    const slug = await newBlog(a);
    const writer = new ApiWriter(a, token);
    const readers: RawSseReader[] = [];
    const published: number[] = [];

    // The cursor of a write just acknowledged by A, taken straight to C, which has not heard
    // of it yet: the processes' listening connections were just cut (they reconnect in 0.5 s).
    for (let round = 0; round < 5; round++) {
      await cutListeners();
      const { eventId } = await writer.publish(slug, `Cursor ${round}`);
      published.push(eventId);
      readers.push(await follow(c, slug, eventId));
    }
    published.push((await writer.publish(slug, 'After all of them')).eventId);
    await Promise.all(readers.map((reader) => reader.waitForId(published[5])));
    writer.close();

    for (const reader of readers) reader.close();
    // Each gets what came after its cursor, and no reset.
    expect(readers.map((reader) => reader.durableEvents.map((event) => Number(event.id)))).toEqual(
      readers.map((_, round) => published.slice(round + 1)),
    );
  });

  it('should let one of two edits of the same version made on two processes win, the other 409', async () => {
    const slug = await newBlog(a);
    const { post } = await new ApiWriter(a, token).publish(slug, 'Turnout: 61%');

    const answers = await Promise.all(
      [a, b, a, b].map((server, i) =>
        new ApiWriter(server, token).request('PATCH', `/api/blogs/${slug}/posts/${post.id}`, {
          body: `Turnout: ${62 + i}%`,
          version: 1,
        }),
      ),
    );

    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
    const listed = await request(c.url).get(`/api/blogs/${slug}/posts`).expect(200);
    expect(listed.body.posts[0].version).toBe(2);
  });

  it('should keep an admin when two admins demote each other at once on two processes', async () => {
    const chief = await signIn(a);
    const second = { email: 'deputy@example.test', password: 'another good password' };
    const form = (
      server: ServerProcess,
      session: { cookie: string; csrfToken: string },
      path: string,
      fields: Record<string, string>,
    ) =>
      request(server.url)
        .post(path)
        .type('form')
        .set('Cookie', session.cookie)
        .send({ _csrf: session.csrfToken, ...fields });
    await form(a, chief, '/admin/users', { ...second, name: 'Deputy', role: 'admin' }).expect(303);
    const deputy = await signIn(b, second);
    const ids = await userIds();

    const [demotedDeputy, demotedChief] = await Promise.all([
      form(a, chief, `/admin/users/${ids[second.email]}/role`, { role: 'editor' }),
      form(b, deputy, `/admin/users/${ids[ADMIN.email]}/role`, { role: 'editor' }),
    ]);

    expect([demotedDeputy.status, demotedChief.status].sort()).toEqual([303, 409]);
    expect(Object.values(await adminCount())).toEqual([1]);
  });

  it('should serve a photo uploaded on A from B, and show it in an entry published on C', async () => {
    const slug = await newBlog(a);
    const photo = await phonePhoto(1200, 800);
    const media = await uploadPhoto(a, token, slug, photo);

    const fromA = await request(a.url).get(media.url).buffer(true).expect(200);
    const fromB = await request(b.url).get(media.url).buffer(true).expect(200);
    expect(fromB.headers['content-type']).toBe('image/jpeg');
    expect(Buffer.compare(fromA.body as Buffer, fromB.body as Buffer)).toBe(0);
    const { post } = await new ApiWriter(c, token).publish(slug, `![Stands](/media/${media.id})`);
    expect(post.html).toContain(`width="${media.width}" height="${media.height}"`);
  });

  it('should lose no acknowledged entry when a process is killed in the middle of publishing', async () => {
    const doomed = await startProcess();
    const slug = await newBlog(a);
    const onB = await follow(b, slug);
    const onDoomed = await follow(doomed, slug);
    const writer = new ApiWriter(doomed, token);
    const acknowledged: number[] = [];
    let killed: Promise<void> | undefined;

    // Four publishes in flight at a time; the process dies after the tenth answer.
    const publishes = Array.from({ length: 4 }, async (_, lane) => {
      for (let i = 0; i < 10; i++) {
        try {
          acknowledged.push((await writer.publish(slug, `Lane ${lane} entry ${i}`)).eventId);
        } catch {
          return; // refused or cut off: not acknowledged, so not owed to anyone
        }
        if (acknowledged.length === 10) killed = killHard(doomed);
      }
    });
    await Promise.all(publishes);
    await killed;
    writer.close();
    // Every committed entry, acknowledged or cut off before its answer, reaches B.
    const newest = await newestEventId(slug);
    expect(newest).toBeGreaterThanOrEqual(Math.max(...acknowledged));
    await onB.waitForId(newest);
    // The dead process's reader comes back through another one, from where it was.
    await onDoomed.waitForEnd();
    const cursor = entryIds(onDoomed).at(-1) ?? 0;
    const resumed = await follow(b, slug, cursor);
    if (cursor < newest) await resumed.waitForId(newest);
    onB.close();
    resumed.close();

    expect(acknowledged.length).toBeGreaterThanOrEqual(10);
    const onBIds = entryIds(onB);
    expect(onBIds).toEqual(expect.arrayContaining(acknowledged));
    expect(onBIds).toEqual([...new Set(onBIds)].sort((x, y) => x - y));
    expect([...entryIds(onDoomed), ...entryIds(resumed)]).toEqual(onBIds);
  });

  it('should count a reader seen on A and on B as one view', async () => {
    const slug = await newBlog(a);
    const { post } = await new ApiWriter(a, token).publish(slug, 'Polls have closed');
    const watcher = await follow(c, slug);
    const reader = `${READER_COOKIE}=${randomBytes(16).toString('base64url')}`;
    const beacon = (server: ServerProcess, cookie: string) =>
      request(server.url)
        .post(`/blogs/${slug}/views`)
        .set('Cookie', cookie)
        .send({ postIds: [post.id] })
        .expect((response) => expect(`${response.status} ${response.text}`).toBe('204 '));

    await Promise.all([beacon(a, reader), beacon(b, reader), beacon(a, reader)]);
    await watcher.waitForViews(post.id, 1);
    // Another reader makes it two: the first one was counted once, not three times.
    await beacon(b, `${READER_COOKIE}=${randomBytes(16).toString('base64url')}`);
    await watcher.waitForViews(post.id, 2);
    watcher.close();

    const listed = await request(c.url).get(`/api/blogs/${slug}/posts`).expect(200);
    expect(listed.body.posts[0].views).toBe(2);
    expect(watcher.viewCounts.flatMap((counts) => Object.values(counts))).not.toContain(3);
  });

  it('should count readers now over every process, and drop a killed one’s', async () => {
    const doomed = await startProcess();
    const slug = await newBlog(a);
    const watcher = await follow(c, slug);
    const others = await Promise.all([
      follow(a, slug),
      follow(b, slug),
      follow(doomed, slug),
      follow(doomed, slug),
    ]);

    await watcher.waitForReaders(5);
    await killHard(doomed);
    await watcher.waitForReaders(3, DEAD_READERS_GONE_MS);
    for (const reader of [watcher, ...others]) reader.close();

    expect(watcher.readerCounts.at(-1)).toBe(3);
  });

  it('should limit sign-in guesses spread over the processes as one server would', async () => {
    const localAddress = '127.0.0.77';
    const guess = (server: ServerProcess, n: number) =>
      sendRaw(server.url, {
        method: 'POST',
        target: '/api/auth/login',
        // No password: refused without hashing, and counted all the same.
        json: { email: `guess${n}@example.test` },
        localAddress,
      });

    const answers: number[] = [];
    for (let n = 0; n < 10; n++) answers.push((await guess([a, b, c][n % 3], n)).status);
    const eleventh = await Promise.all([a, b, c].map((server, i) => guess(server, 10 + i)));

    expect(answers).toEqual(Array(10).fill(400));
    expect(eleventh.map((answer) => answer.status)).toEqual([429, 429, 429]);
  });
});
