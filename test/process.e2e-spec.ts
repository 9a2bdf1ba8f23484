import Database from 'better-sqlite3';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { spawnServer, startServer, ServerProcess } from './support/server-process';
import { makeDataDir, removeDataDir } from './support/test-app';

const ADMIN = { email: 'admin@example.test', password: 'admin password 1' };

describe('The server process', () => {
  let dataDir: string;
  let server: ServerProcess | undefined;
  const env = () => ({
    DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    removeDataDir(dataDir);
  });

  it('should keep an entry and its event through a kill -9 right after the 201', async () => {
    server = await startServer(env());
    const login = await request(server.url).post('/api/auth/login').send(ADMIN).expect(200);
    const cookie = (login.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const blog = await request(server.url)
      .post('/api/blogs')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', login.body.csrfToken)
      .send({ title: 'Crash test' })
      .expect(201);
    const published = await request(server.url)
      .post(`/api/blogs/${blog.body.blog.slug}/posts`)
      .set('Cookie', cookie)
      .set('X-CSRF-Token', login.body.csrfToken)
      .send({ body: 'Written just before the crash' })
      .expect(201);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');

    const database = new Database(env().DATABASE_PATH, { readonly: true });
    const event = database
      .prepare('SELECT id, type, postId FROM events ORDER BY id DESC LIMIT 1')
      .get();
    database.close();
    expect(event).toEqual({
      id: published.body.eventId,
      type: 'post',
      postId: published.body.post.id,
    });

    server = await startServer(env());
    const { body } = await request(server.url)
      .get(`/api/blogs/${blog.body.blog.slug}/posts`)
      .expect(200);
    expect(body).toEqual({
      posts: [published.body.post],
      lastEventId: published.body.eventId,
      epoch: expect.stringMatching(/^[\w-]{16}$/),
    });
  });

  it('should stop on SIGTERM with exit code 0 within 10 s', async () => {
    server = await startServer(env());
    await request(server.url).get('/api/blogs').expect(200);
    const started = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('should stop on SIGINT with exit code 0', async () => {
    server = await startServer(env());
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
  });

  it.each([
    [{ PORT: 'eighty' }, 'Invalid configuration: PORT must be an integer from 0 to 65535'],
    [{ PORT: '70000' }, 'Invalid configuration: PORT must be an integer from 0 to 65535'],
    [
      { SSE_HEARTBEAT_MS: '5' },
      'Invalid configuration: SSE_HEARTBEAT_MS must be an integer from 1000 to 3600000',
    ],
    [
      { ADMIN_EMAIL: 'x@example.test', ADMIN_PASSWORD: '' },
      'Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    ],
  ])('should refuse to start with %j, in one line naming the variable', async (bad, message) => {
    const { exited, output } = spawnServer({ DATABASE_PATH: join(dataDir, 'db.sqlite'), ...bad });
    expect(await exited).toBe(1);
    expect(output().trim()).toBe(message);
  });

  it('should refuse to start on an unwritable DATABASE_PATH, in one line', async () => {
    const notAFolder = join(dataDir, 'file');
    writeFileSync(notAFolder, '');
    const { exited, output } = spawnServer({ DATABASE_PATH: join(notAFolder, 'liveblog.sqlite') });
    expect(await exited).toBe(1);
    expect(output().trim()).toMatch(
      /^Invalid configuration: DATABASE_PATH folder \S+ is not writable \(\w+\)$/,
    );
  });

  it('should never print a secret it was given', async () => {
    const { exited, output } = spawnServer({
      DATABASE_PATH: join(dataDir, 'db.sqlite'),
      ADMIN_EMAIL: 'a@example.test',
      ADMIN_PASSWORD: 'Zq9#xY!',
    });
    expect(await exited).toBe(1);
    expect(output()).toContain('ADMIN_PASSWORD must be at least 8 characters');
    expect(output()).not.toContain('Zq9#xY!');
  });
});
