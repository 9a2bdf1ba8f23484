import { Logger } from '@nestjs/common';
import request from 'supertest';
import { writeSetting } from '../src/database/settings';
import { StorageStatus } from '../src/database/storage-status';
import { Transactions } from '../src/database/transactions';
import { EventLog, PRUNED_THROUGH_SETTING } from '../src/event-log/event-log.service';
import { WebhookSender } from '../src/webhooks/webhook-sender';
import {
  createBlog,
  createUser,
  eventRows,
  issueApiToken,
  publishPost,
  signIn,
  SignedInClient,
} from './support/factories';
import { parseDocument, DomUtils } from './support/html-parser';
import { waitUntil } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

/** Short timeouts and backoff, so a test sees retries in well under a second or two. */
const FAST_WEBHOOKS = {
  WEBHOOK_TIMEOUT_MS: '1500',
  WEBHOOK_RETRY_MIN_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
};

interface Hook {
  id: number;
  secret: string;
  /** Its cursor when it was added: the newest event then. */
  lastEventId: number;
}

const pool = new TestAppPool();
const receivers: WebhookReceiver[] = [];

async function newReceiver(): Promise<WebhookReceiver> {
  const receiver = await new WebhookReceiver().start();
  receivers.push(receiver);
  return receiver;
}

afterAll(async () => {
  await pool.closeAll();
  for (const receiver of receivers) await receiver.stop();
});

/** An app with an admin (session and API token), an editor and a contributor signed in. */
async function staffed(env: Record<string, string> = FAST_WEBHOOKS) {
  const testApp = await pool.start(env);
  return staff(testApp);
}

async function staff(testApp: TestApp) {
  const adminUser = await createUser(testApp, { role: 'admin', name: 'Ada Admin' });
  const [admin, editor, contributor] = await Promise.all([
    signIn(testApp, adminUser),
    signIn(testApp, await createUser(testApp, { name: 'Eddie Editor' })),
    signIn(testApp, await createUser(testApp, { role: 'contributor', name: 'Cy Contributor' })),
  ]);
  const token = await issueApiToken(testApp, adminUser);
  return { testApp, admin, editor, contributor, token };
}

type Staffed = Awaited<ReturnType<typeof staffed>>;

/** Adds a webhook through the API; the receiver learns its secret. */
async function addHook(world: Staffed, receiver: WebhookReceiver, blog?: string): Promise<Hook> {
  const response = await request(world.testApp.url)
    .post('/api/webhooks')
    .auth(world.token, { type: 'bearer' })
    .send(blog === undefined ? { url: receiver.url } : { url: receiver.url, blog })
    .expect(201);
  receiver.secret = response.body.secret as string;
  const { id, lastEventId } = response.body.webhook as { id: number; lastEventId: number };
  return { id, secret: receiver.secret, lastEventId };
}

async function deliveriesOf(world: Staffed, hook: Hook) {
  const response = await request(world.testApp.url)
    .get(`/api/webhooks/${hook.id}/deliveries`)
    .auth(world.token, { type: 'bearer' })
    .expect(200);
  return response.body.deliveries as Array<Record<string, any>>;
}

async function hookView(world: Staffed, hook: Hook) {
  const response = await request(world.testApp.url)
    .get('/api/webhooks')
    .auth(world.token, { type: 'bearer' })
    .expect(200);
  return (response.body.webhooks as Array<Record<string, any>>).find(
    (view) => view.id === hook.id,
  )!;
}

/**
 * Watches a webhook's row from now on for writes, also those that change nothing (and take its
 * lock all the same): PostgreSQL gives a written row a new xmin; on SQLite, a trigger of the
 * app's one connection notes them. `written()` tells, and stops watching.
 */
async function watchRowWrites(testApp: TestApp, hookId: number) {
  const database = testApp.database;
  if (database.options.type === 'postgres') {
    const xmin = async () => {
      const [row] = await database.query<Array<{ xmin: string }>>(
        `SELECT xmin::text AS "xmin" FROM "webhooks" WHERE "id" = $1`,
        [hookId],
      );
      return row.xmin;
    };
    const before = await xmin();
    return { written: async () => (await xmin()) !== before };
  }
  await database.query(`CREATE TEMP TABLE "webhook_row_writes" ("webhookId" INTEGER)`);
  await database.query(
    `CREATE TEMP TRIGGER "note_webhook_row_writes" AFTER UPDATE ON main."webhooks" WHEN NEW."id" = ${hookId} BEGIN INSERT INTO "webhook_row_writes" VALUES (NEW."id"); END`,
  );
  return {
    written: async () => {
      const [{ writes }] = await database.query<Array<{ writes: number }>>(
        `SELECT COUNT(*) AS "writes" FROM "webhook_row_writes"`,
      );
      await database.query(`DROP TRIGGER "note_webhook_row_writes"`);
      await database.query(`DROP TABLE "webhook_row_writes"`);
      return writes > 0;
    },
  };
}

const publish = async (world: Staffed, slug: string, body?: string) =>
  (await publishPost(world.testApp, world.token, slug, body ? { body } : {})).eventId;

describe('Webhooks', () => {
  let world: Staffed;

  beforeAll(async () => {
    world = await staffed();
  });

  describe('sending', () => {
    it("should POST each event in order, signed, with the stream's data", async () => {
      const receiver = await newReceiver();
      const { slug, id: blogId } = await createBlog(world.testApp, world.token);
      await addHook(world, receiver, slug);

      const published = await publishPost(world.testApp, world.token, slug, { body: 'Kick-off' });
      const postId = published.post.id as number;
      const edited = await request(world.testApp.url)
        .patch(`/api/blogs/${slug}/posts/${postId}`)
        .auth(world.token, { type: 'bearer' })
        .send({ body: 'Kick-off, delayed' })
        .expect(200);
      const deleted = await request(world.testApp.url)
        .delete(`/api/blogs/${slug}/posts/${postId}`)
        .auth(world.token, { type: 'bearer' })
        .expect(200);
      const ids = [published.eventId, edited.body.eventId, deleted.body.eventId] as number[];
      const calls = await receiver.waitForCalls(3);
      const { epoch } = (
        await request(world.testApp.url).get(`/api/blogs/${slug}/posts`).expect(200)
      ).body as { epoch: string };

      expect(receiver.ids()).toEqual(ids);
      const logged = (await eventRows(world.testApp)).filter((row) => ids.includes(row.id));
      calls.forEach((call, index) => {
        expect(call.verified).toBe(true);
        expect(call.headers).toMatchObject({
          'content-type': 'application/json',
          'user-agent': expect.stringMatching(/^Liveblog-Webhooks\//),
          'liveblog-epoch': epoch,
          'liveblog-event-id': String(ids[index]),
          'liveblog-event-type': ['post', 'update', 'delete'][index],
        });
        expect(call.json).toMatchObject({
          epoch,
          id: ids[index],
          type: ['post', 'update', 'delete'][index],
          blog: { id: blogId, slug },
        });
        // The data exactly as the stream's `data:` line carries it.
        expect(call.json.data).toEqual(JSON.parse(logged[index].payload));
      });
      expect(calls[1].json.data).toMatchObject({ post: { id: postId, body: 'Kick-off, delayed' } });
    });

    it('should retry an event its receiver fails, and send the next ones only after it', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, receiver, slug);
      receiver.plan.push('fail', 'fail');

      const ids = [
        await publish(world, slug),
        await publish(world, slug),
        await publish(world, slug),
      ];
      await receiver.waitForCalls(5);

      expect(receiver.ids()).toEqual([ids[0], ids[0], ids[0], ids[1], ids[2]]);
      expect(receiver.deliveredIds()).toEqual(ids);
      await waitUntil(
        async () => (await deliveriesOf(world, hook)).length === 5,
        () => 'five deliveries recorded',
      );
      const deliveries = (await deliveriesOf(world, hook)).reverse();
      expect(
        deliveries.map(({ eventId, outcome, attempt, statusCode }) => ({
          eventId,
          outcome,
          attempt,
          statusCode,
        })),
      ).toEqual([
        { eventId: ids[0], outcome: 'failed', attempt: 1, statusCode: 500 },
        { eventId: ids[0], outcome: 'failed', attempt: 2, statusCode: 500 },
        { eventId: ids[0], outcome: 'delivered', attempt: 3, statusCode: 204 },
        { eventId: ids[1], outcome: 'delivered', attempt: 1, statusCode: 204 },
        { eventId: ids[2], outcome: 'delivered', attempt: 1, statusCode: 204 },
      ]);
      expect(deliveries[0].error).toBe('The receiver answered 500');
      await expect(hookView(world, hook)).resolves.toMatchObject({
        state: 'healthy',
        failedAttempts: 0,
        lastEventId: ids[2],
      });
    });

    it('should retry an event whose receiver never answers, once the timeout is over', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, receiver, slug);
      receiver.plan.push('hang');

      const id = await publish(world, slug);
      await receiver.waitForCalls(2);

      expect(receiver.ids()).toEqual([id, id]);
      // The sender gave up on the first request: its connection is closed.
      expect(receiver.calls[0].open).toBe(false);
      expect(receiver.deliveredIds()).toEqual([id]);
      await waitUntil(
        async () => (await deliveriesOf(world, hook)).length === 2,
        () => 'two deliveries recorded',
      );
      const [delivered, timedOut] = await deliveriesOf(world, hook);
      expect(timedOut).toMatchObject({
        outcome: 'failed',
        statusCode: null,
        error: 'no answer within 1500 ms',
      });
      expect(timedOut.durationMs).toBeGreaterThanOrEqual(1500);
      expect(delivered).toMatchObject({ outcome: 'delivered', attempt: 2 });
    });

    it('should answer a publish at once while the receiver holds the previous event', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      await addHook(world, receiver, slug);
      receiver.plan.push('hang');
      const first = await publish(world, slug);
      await receiver.waitForId(first);

      const second = await publish(world, slug);

      // The publish has its answer while the receiver still holds the request before it.
      expect(receiver.calls[0].open).toBe(true);
      expect(receiver.ids()).toEqual([first]);
      await receiver.waitForCalls(3);
      expect(receiver.ids()).toEqual([first, first, second]);
    });

    it("should send a blog's webhook that blog's events, and an all-blogs webhook every blog's", async () => {
      const [ofOne, ofAll] = [await newReceiver(), await newReceiver()];
      const one = await createBlog(world.testApp, world.token);
      const other = await createBlog(world.testApp, world.token);
      await addHook(world, ofOne, one.slug);
      const all = await addHook(world, ofAll);

      const ids = [
        await publish(world, one.slug),
        await publish(world, other.slug),
        await publish(world, one.slug),
      ];
      await ofAll.waitForCalls(3);
      await ofOne.waitForCalls(2);

      expect(ofAll.ids()).toEqual(ids);
      expect(ofAll.calls.map((call) => call.json.blog.slug)).toEqual([
        one.slug,
        other.slug,
        one.slug,
      ]);
      expect(ofOne.ids()).toEqual([ids[0], ids[2]]);
      await request(world.testApp.url)
        .delete(`/api/webhooks/${all.id}`)
        .auth(world.token, { type: 'bearer' })
        .expect(204);
      await request(world.testApp.url)
        .get(`/api/webhooks/${all.id}/deliveries`)
        .auth(world.token, { type: 'bearer' })
        .expect(404);
    });

    it('should send nothing to a paused webhook, and what it missed once resumed', async () => {
      const [paused, running] = [await newReceiver(), await newReceiver()];
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, paused, slug);
      const runningHook = await addHook(world, running, slug);
      const pause = await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: false })
        .expect(200);
      expect(pause.body.webhook).toMatchObject({ active: false, state: 'paused' });

      const ids = [await publish(world, slug), await publish(world, slug)];
      // The running webhook has had both, recorded: a paused one sent to by mistake would have
      // had its requests under way in the same moments.
      await running.waitForId(ids[1]);
      await waitUntil(
        async () => (await hookView(world, runningHook)).lastEventId === ids[1],
        () => 'the running webhook done with both events',
      );
      expect(paused.calls).toEqual([]);
      expect(await deliveriesOf(world, hook)).toEqual([]);
      expect((await hookView(world, hook)).lastEventId).toBeLessThan(ids[0]);

      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: true })
        .expect(200);
      await paused.waitForId(ids[1]);
      // Exactly what was published after the pause, in order, once each.
      expect(paused.ids()).toEqual(ids);
    });

    it('should sign with a new secret from the moment it is rotated', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, receiver, slug);
      const rotated = await request(world.testApp.url)
        .post(`/api/webhooks/${hook.id}/secret`)
        .auth(world.token, { type: 'bearer' })
        .expect(200);
      const secret = rotated.body.secret as string;
      expect(secret).toMatch(/^whsec_/);
      expect(secret).not.toBe(hook.secret);

      receiver.secret = secret;
      await receiver.waitForId(await publish(world, slug));
      expect(receiver.calls[0].verified).toBe(true);
    });

    it('should send to a new URL with a new secret from the next request, also in the middle of a backlog', async () => {
      const [before, after] = [await newReceiver(), await newReceiver()];
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, before, slug);
      before.plan.push('hang');
      const first = await publish(world, slug);
      await before.waitForId(first);
      // Waits behind the first, in the same run of the sender.
      const second = await publish(world, slug);

      const rotated = await request(world.testApp.url)
        .post(`/api/webhooks/${hook.id}/secret`)
        .auth(world.token, { type: 'bearer' })
        .expect(200);
      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ url: after.url })
        .expect(200);
      after.secret = rotated.body.secret as string;
      before.releaseHeld();
      await after.waitForId(second);

      expect(before.deliveredIds()).toEqual([first]);
      expect(after.ids()).toEqual([second]);
      expect(after.calls[0].verified).toBe(true);
    });

    it("should leave alone at a sweep the row of a webhook whose blog's next event is next", async () => {
      const [own, other, quiet] = [
        await createBlog(world.testApp, world.token),
        await createBlog(world.testApp, world.token),
        await createBlog(world.testApp, world.token),
      ];
      const pause = (hook: Hook) =>
        request(world.testApp.url)
          .patch(`/api/webhooks/${hook.id}`)
          .auth(world.token, { type: 'bearer' })
          .send({ active: false })
          .expect(200);
      const hook = await addHook(world, await newReceiver(), own.slug);
      const witness = await addHook(world, await newReceiver(), quiet.slug);
      await pause(hook);
      await pause(witness);
      const writes = await watchRowWrites(world.testApp, hook.id);

      // Right after its cursor: the sweep has nowhere to move it.
      expect(await publish(world, own.slug)).toBe(hook.lastEventId + 1);
      const othersEvent = await publish(world, other.slug);
      // The witness moves in the same statement as any the sweep makes.
      await waitUntil(
        async () => (await hookView(world, witness)).lastEventId === othersEvent,
        () => `the sweep to move webhook ${witness.id} past event ${othersEvent}`,
        10_000,
        100,
      );

      expect(await writes.written()).toBe(false);
      expect((await hookView(world, hook)).lastEventId).toBe(hook.lastEventId);
    });

    it('should not record as skipped the pruned events of other blogs, missed while paused', async () => {
      const receiver = await newReceiver();
      const [own, other] = [
        await createBlog(world.testApp, world.token),
        await createBlog(world.testApp, world.token),
      ];
      const hook = await addHook(world, receiver, own.slug);
      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: false })
        .expect(200);
      const othersEvent = await publish(world, other.slug);
      // The sender's sweep (every 5 s) moves a blog's webhooks past the other blogs' events.
      await waitUntil(
        async () => (await hookView(world, hook)).lastEventId >= othersEvent,
        () => `webhook ${hook.id} moved past event ${othersEvent} of another blog`,
        10_000,
        100,
      );
      await world.testApp.database.transaction(async (manager) => {
        await manager.query(`DELETE FROM "events" WHERE "id" <= ${othersEvent}`);
        await writeSetting(manager, PRUNED_THROUGH_SETTING, String(othersEvent));
      });

      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: true })
        .expect(200);
      const next = await publish(world, own.slug);
      await receiver.waitForId(next);
      await waitUntil(
        async () => (await deliveriesOf(world, hook)).length > 0,
        () => 'the delivery recorded',
      );

      expect(
        (await deliveriesOf(world, hook)).map(({ eventId, outcome }) => ({ eventId, outcome })),
      ).toEqual([{ eventId: next, outcome: 'delivered' }]);
    });
    it('should record as skipped the events pruned from the log before they could be sent', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, receiver, slug);
      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: false })
        .expect(200);
      const pruned = await publish(world, slug);
      // What LOG_RETENTION_DAYS does to old events (see LogRetention).
      await world.testApp.database.transaction(async (manager) => {
        await manager.query(`DELETE FROM "events" WHERE "id" <= ${pruned}`);
        await writeSetting(manager, PRUNED_THROUGH_SETTING, String(pruned));
      });

      await request(world.testApp.url)
        .patch(`/api/webhooks/${hook.id}`)
        .auth(world.token, { type: 'bearer' })
        .send({ active: true })
        .expect(200);
      // At once, not only when its blog next publishes.
      await waitUntil(
        async () => (await hookView(world, hook)).lastEventId === pruned,
        () => `webhook ${hook.id} moved past the pruned event ${pruned}`,
      );
      const next = await publish(world, slug);
      await receiver.waitForId(next);

      expect(receiver.ids()).toEqual([next]);
      await waitUntil(
        async () => (await deliveriesOf(world, hook)).length === 2,
        () => 'the skip and the delivery recorded',
      );
      const [delivered, skipped] = await deliveriesOf(world, hook);
      expect(delivered).toMatchObject({ eventId: next, outcome: 'delivered' });
      expect(skipped).toMatchObject({
        eventId: hook.lastEventId + 1,
        outcome: 'skipped',
        error: `Events up to #${pruned} were pruned from the log before they could be sent`,
      });
    });
  });

  describe('its log', () => {
    afterEach(() => jest.restoreAllMocks());

    it('should not say that looking for due webhooks works again while writes fail and it does not look', async () => {
      const { app } = world.testApp;
      const [sender, storageStatus] = [app.get(WebhookSender), app.get(StorageStatus)];
      const logged = jest.spyOn(Logger.prototype, 'log');
      const loggedError = jest.spyOn(Logger.prototype, 'error');
      const worksAgain = () =>
        logged.mock.calls.filter(([message]) => message === 'Looking for due webhooks works again');
      jest.spyOn(app.get(EventLog), 'publishedThrough').mockImplementationOnce(() => {
        throw new Error('the log cannot be read');
      });
      sender.wake();
      await waitUntil(
        () =>
          loggedError.mock.calls.some(
            ([message]) => message === 'Looking for due webhooks failed: the log cannot be read',
          ),
        () => 'the failed look logged',
      );

      // Writes fail, the probe too: the looks that follow are skipped.
      const diskFull = Object.assign(new Error('database or disk is full'), {
        code: 'SQLITE_FULL',
      });
      const probe = jest.spyOn(app.get(Transactions), 'run').mockRejectedValue(diskFull);
      storageStatus.writeFailed('disk-full');
      sender.wake();
      await waitUntil(
        () => probe.mock.calls.length > 0,
        () => 'the write probe',
      );
      // The skipped look ends on the probe's answer: after it, and the promise jobs it queued.
      await new Promise((resolve) => setImmediate(resolve));
      expect(worksAgain()).toEqual([]);

      probe.mockRestore();
      storageStatus.writeSucceeded();
      sender.wake();
      await waitUntil(
        () => worksAgain().length === 1,
        () => 'the look that works logged',
      );
    });
  });

  describe('API', () => {
    const api = () => request(world.testApp.url);
    const asAdmin = (test: request.Test) => test.auth(world.token, { type: 'bearer' });

    it('should list webhooks without their secrets, with who added them', async () => {
      const receiver = await newReceiver();
      const { slug } = await createBlog(world.testApp, world.token);
      const hook = await addHook(world, receiver, slug);
      const listed = await asAdmin(api().get('/api/webhooks')).expect(200);
      const view = (listed.body.webhooks as Array<Record<string, unknown>>).find(
        (webhook) => webhook.id === hook.id,
      );
      expect(view).toEqual({
        id: hook.id,
        url: receiver.url,
        blog: slug,
        active: true,
        state: 'healthy',
        lastEventId: expect.any(Number),
        failedAttempts: 0,
        retryingSince: null,
        nextAttemptAt: null,
        createdAt: expect.any(String),
        createdBy: 'Ada Admin',
      });
      expect(JSON.stringify(listed.body)).not.toContain(hook.secret);
    });

    it.each([
      [{}, 'url must be an absolute http:// or https:// URL'],
      [{ url: 'ftp://files.example.com/hook' }, 'url must be an absolute http:// or https:// URL'],
      [{ url: '/relative/hook' }, 'url must be an absolute http:// or https:// URL'],
      [
        { url: 'https://me:secret@hooks.example.com/' },
        'url must not hold a user name or password',
      ],
      [{ url: 'https://hooks.example.com/', blog: 12 }, 'blog must be a string'],
      [{ url: 'https://hooks.example.com/', secret: 'mine' }, 'property secret should not exist'],
    ])('should refuse %j with a 400 that says why', async (body, message) => {
      const response = await asAdmin(api().post('/api/webhooks')).send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      expect([response.body.message].flat()).toContain(message);
    });

    it('should answer 404 for a blog or a webhook that does not exist', async () => {
      const noBlog = await asAdmin(api().post('/api/webhooks'))
        .send({ url: 'https://hooks.example.com/', blog: 'no-such-blog' })
        .expect(404);
      expect(noBlog.body.message).toBe('No blog with the slug "no-such-blog"');
      await asAdmin(api().patch('/api/webhooks/999999')).send({ active: false }).expect(404);
      await asAdmin(api().post('/api/webhooks/999999/secret')).expect(404);
      await asAdmin(api().get('/api/webhooks/999999/deliveries')).expect(404);
      const gone = await asAdmin(api().delete('/api/webhooks/999999')).expect(404);
      expect(gone.body.message).toBe('No webhook with the id 999999');
    });

    it('should refuse a change that changes nothing, or is not one', async () => {
      const hook = await addHook(world, await newReceiver());
      const empty = await asAdmin(api().patch(`/api/webhooks/${hook.id}`))
        .send({})
        .expect(400);
      expect(empty.body.message).toBe('Give url or active (or both)');
      const notBoolean = await asAdmin(api().patch(`/api/webhooks/${hook.id}`))
        .send({ active: 'yes' })
        .expect(400);
      expect(notBoolean.body.message).toEqual(['active must be true or false']);
      await asAdmin(api().patch('/api/webhooks/abc')).send({ active: false }).expect(400);
      await asAdmin(api().delete(`/api/webhooks/${hook.id}`)).expect(204);
    });

    it('should be for admins only', async () => {
      await api().get('/api/webhooks').expect(401);
      for (const client of [world.editor, world.contributor]) {
        await client.agent.get('/api/webhooks').expect(403);
        await client.agent
          .post('/api/webhooks')
          .set('X-CSRF-Token', client.csrfToken)
          .send({ url: 'https://hooks.example.com/' })
          .expect(403);
        await client.agent.get('/admin/webhooks').expect(403);
      }
      await world.admin.agent.get('/api/webhooks').expect(200);
    });
  });

  describe('admin page', () => {
    const form = (client: SignedInClient, path: string, fields: Record<string, unknown> = {}) =>
      client.agent
        .post(path)
        .type('form')
        .send({ _csrf: client.csrfToken, ...fields });

    it('should add, pause, rotate and remove webhooks, and show deliveries and failures', async () => {
      const receiver = await newReceiver();
      const { slug, title } = await createBlog(world.testApp, world.token);
      const page = await world.admin.agent.get('/admin/webhooks').expect(200);
      expect(page.text).toContain(`<option value="${slug}" >${title}</option>`);

      await form(world.admin, '/admin/webhooks', { url: receiver.url, blog: slug })
        .expect(303)
        .expect('Location', '/admin/webhooks');
      const listed = await request(world.testApp.url)
        .get('/api/webhooks')
        .auth(world.token, { type: 'bearer' })
        .expect(200);
      const added = (listed.body.webhooks as Array<Record<string, any>>).find(
        (view) => view.url === receiver.url,
      )!;
      expect(added).toMatchObject({ blog: slug, createdBy: 'Ada Admin' });
      const withSecret = await world.admin.agent.get('/admin/webhooks').expect(200);
      receiver.secret = secretOnPage(withSecret.text, added.id as number);

      receiver.plan.push('fail');
      const id = await publish(world, slug);
      await receiver.waitForCalls(2);
      await waitUntil(
        async () => (await deliveriesOf(world, added as unknown as Hook)).length === 2,
        () => 'two deliveries recorded',
      );
      const shown = await world.admin.agent.get('/admin/webhooks').expect(200);
      const card = cardOf(shown.text, added.id as number);
      expect(card).toContain('Healthy');
      expect(card).toContain(`#${id} post`);
      expect(card).toContain('failed (attempt 1)');
      expect(card).toContain('delivered');
      expect(receiver.calls.every((call) => call.verified)).toBe(true);

      await form(world.admin, `/admin/webhooks/${added.id}/active`, { active: 'false' }).expect(
        303,
      );
      expect(cardOf((await world.admin.agent.get('/admin/webhooks')).text, added.id)).toContain(
        'Paused',
      );
      await form(world.admin, `/admin/webhooks/${added.id}/active`, { active: 'maybe' }).expect(
        400,
      );
      await form(world.admin, `/admin/webhooks/${added.id}/secret`).expect(303);
      const rotatedPage = (await world.admin.agent.get('/admin/webhooks')).text;
      expect(secretOnPage(rotatedPage, added.id)).not.toBe(receiver.secret);
      await form(world.admin, `/admin/webhooks/${added.id}/remove`).expect(303);
      expect((await world.admin.agent.get('/admin/webhooks')).text).not.toContain(
        `webhook-${added.id}-url`,
      );
    });

    it('should show what is wrong with a webhook that cannot be added', async () => {
      const badUrl = await form(world.admin, '/admin/webhooks', {
        url: 'mailto:desk@example.com',
      }).expect(400);
      expect(badUrl.text).toContain('url must be an absolute http:// or https:// URL');
      const noBlog = await form(world.admin, '/admin/webhooks', {
        url: 'https://hooks.example.com/',
        blog: 'no-such-blog',
      }).expect(400);
      expect(noBlog.text).toContain('No blog with the slug &quot;no-such-blog&quot;');
    });
  });
});

describe('Webhooks across a restart', () => {
  it('should resume after a restart without losing or reordering events', async () => {
    const env = { ...FAST_WEBHOOKS, WEBHOOK_TIMEOUT_MS: '30000' };
    const dataDir = pool.dataDir();
    const first = await staff(await pool.startIn(dataDir, env));
    const receiver = await newReceiver();
    const { slug } = await createBlog(first.testApp, first.token);
    await addHook(first, receiver, slug);
    receiver.plan.push('ok', 'hang');
    const before = [await publish(first, slug), await publish(first, slug)];
    await receiver.waitForCalls(2);

    // The second event's request is under way when the server stops: it is abandoned.
    const stopping = Date.now();
    await pool.close(first.testApp);
    expect(Date.now() - stopping).toBeLessThan(10_000);
    const second = await pool.startIn(dataDir, env);
    const world = { ...first, testApp: second };
    await receiver.waitForCalls(3);
    const after = await publish(world, slug);
    await receiver.waitForId(after);

    expect(receiver.ids()).toEqual([before[0], before[1], before[1], after]);
    expect(receiver.deliveredIds()).toEqual([...before, after]);
  });

  it('should give up on an event after WEBHOOK_GIVE_UP_MS, record it, and go on', async () => {
    const world = await staffed({ ...FAST_WEBHOOKS, WEBHOOK_GIVE_UP_MS: '300' });
    const receiver = await newReceiver();
    const { slug } = await createBlog(world.testApp, world.token);
    const hook = await addHook(world, receiver, slug);
    receiver.plan.push(...Array<'fail'>(100).fill('fail'));
    const doomed = await publish(world, slug);
    await waitUntil(
      async () => (await deliveriesOf(world, hook)).some((d) => d.outcome === 'gave-up'),
      () => `event ${doomed} given up`,
    );
    receiver.plan.length = 0;
    const next = await publish(world, slug);
    await receiver.waitForId(next);

    const [gaveUp] = (await deliveriesOf(world, hook)).filter((d) => d.outcome === 'gave-up');
    expect(gaveUp).toMatchObject({ eventId: doomed, statusCode: 500 });
    expect(receiver.deliveredIds()).toEqual([next]);
  });
});

/** The secret shown in a webhook's card of the admin page. */
function secretOnPage(html: string, id: number): string {
  const input = DomUtils.getElementById(`webhook-${id}-secret`, parseDocument(html).children);
  return input!.attribs.value;
}

/** The text of a webhook's card on the admin page. */
function cardOf(html: string, id: number): string {
  const heading = DomUtils.getElementById(`webhook-${id}-url`, parseDocument(html).children);
  return DomUtils.textContent(heading!.parent!.parent!);
}
