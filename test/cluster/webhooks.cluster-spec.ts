import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { startServer, type ServerProcess } from '../support/server-process';
import {
  createTestPostgres,
  emptyRedis,
  type TestPostgres,
  workerRedisUrl,
} from '../support/test-services';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitUntil } from '../support/sse-client';

/**
 * Three server processes on one PostgreSQL and one Redis, one webhook: whichever process an
 * entry is published on, and however many processes hear of it, the webhook gets each event
 * once, in order, one request at a time. One process's clock is a minute ahead, as on a
 * machine whose clock drifted: leases are timed by the database's clock, not the processes'.
 */

const ADMIN = { email: 'chief@example.test', password: 'correct horse battery' };
const TIMEOUT_MS = 3000;

let database: TestPostgres;
let servers: ServerProcess[] = [];
let receiver: WebhookReceiver;
let token: string;

beforeAll(async () => {
  database = await createTestPostgres();
  const redisUrl = workerRedisUrl();
  await emptyRedis(redisUrl);
  const env = {
    DATABASE_URL: database.url,
    REDIS_URL: redisUrl,
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
    WEBHOOK_RETRY_MIN_MS: '50',
    WEBHOOK_RETRY_MAX_MS: '200',
  };
  servers = await Promise.all([
    startServer(env),
    startServer({
      ...env,
      NODE_OPTIONS: `--require ${join(__dirname, '..', 'support', 'clock-ahead.js')}`,
      CLOCK_AHEAD_MS: '60000',
    }),
    startServer(env),
  ]);
  receiver = await new WebhookReceiver().start();
  const login = await request(servers[0].url).post('/api/auth/login').send(ADMIN).expect(200);
  const cookie = (login.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  const created = await request(servers[1].url)
    .post('/api/tokens')
    .set('Cookie', cookie)
    .set('X-CSRF-Token', login.body.csrfToken as string)
    .send({ name: 'Desk' })
    .expect(201);
  token = created.body.secret as string;
});

afterAll(async () => {
  for (const server of servers) server.child.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.exited));
  await receiver?.stop();
  await database?.drop();
});

async function blogWithWebhook(): Promise<{ slug: string; webhookId: number }> {
  const blog = await request(servers[2].url)
    .post('/api/blogs')
    .auth(token, { type: 'bearer' })
    .send({ title: 'Election night' })
    .expect(201);
  const slug = blog.body.blog.slug as string;
  const hook = await request(servers[0].url)
    .post('/api/webhooks')
    .auth(token, { type: 'bearer' })
    .send({ url: receiver.url, blog: slug })
    .expect(201);
  receiver.secret = hook.body.secret as string;
  return { slug, webhookId: hook.body.webhook.id as number };
}

async function publishOn(server: ServerProcess, slug: string, body: string): Promise<number> {
  const response = await request(server.url)
    .post(`/api/blogs/${slug}/posts`)
    .auth(token, { type: 'bearer' })
    .send({ body })
    .expect(201);
  return response.body.eventId as number;
}

/**
 * The server process whose TCP connection has this local port: the one whose request the
 * receiver holds (Linux: the socket's inode in /proc/net/tcp, then the process with it open).
 */
function processWithPort(port: number): ServerProcess {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((row) => row.trim().split(/\s+/))
    .find((fields) => fields[1]?.endsWith(`:${hexPort}`));
  const socket = `socket:[${line![9]}]`;
  const holder = servers.find((server) =>
    readdirSync(`/proc/${server.child.pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${server.child.pid}/fd/${fd}`) === socket;
      } catch {
        return false;
      }
    }),
  );
  return holder!;
}

describe('Webhooks on several processes', () => {
  it('should send each event once and in order, whichever process publishes it', async () => {
    const { slug, webhookId } = await blogWithWebhook();
    // The first event fails twice: its retries, too, come from one process at a time.
    receiver.plan.push('fail', 'fail');

    const published: number[] = [];
    for (let i = 0; i < 15; i++)
      published.push(await publishOn(servers[i % 3], slug, `Result ${i + 1}`));
    await receiver.waitForId(published.at(-1)!);

    expect(receiver.deliveredIds()).toEqual(published);
    expect(receiver.ids()).toEqual([published[0], published[0], ...published]);
    expect(receiver.calls.every((call) => call.verified)).toBe(true);
    expect(receiver.mostAtOnce).toBe(1);
    // Every process agrees on what was sent, whichever one is asked.
    for (const server of servers) {
      await waitUntil(
        async () => {
          const { body } = await request(server.url)
            .get(`/api/webhooks/${webhookId}/deliveries`)
            .auth(token, { type: 'bearer' });
          return (body.deliveries as unknown[]).length === published.length + 2;
        },
        () => `all deliveries recorded, as seen from ${server.url}`,
      );
    }
  });

  it('should go on from another process when the one sending dies in the middle of a request', async () => {
    receiver.calls.length = 0;
    const { slug } = await blogWithWebhook();
    receiver.plan.push('hang');
    const first = await publishOn(servers[0], slug, 'Polls close');
    await receiver.waitForId(first);
    const holder = processWithPort(receiver.calls[0].remotePort);
    holder.child.kill('SIGKILL');
    await holder.exited;
    const survivor = servers.find((server) => server !== holder)!;
    const second = await publishOn(survivor, slug, 'First results');

    // Once the dead process's lease has run out (the timeout and 5 s), and at the latest at
    // a survivor's next look for due webhooks (every 5 s), it sends the first event again.
    await receiver.waitForId(second, TIMEOUT_MS + 5000 + 5000 + 5000);
    expect(receiver.ids()).toEqual([first, first, second]);
    expect(receiver.deliveredIds()).toEqual([first, second]);
    servers = servers.filter((server) => server !== holder);
  });
});
