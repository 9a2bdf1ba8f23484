import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createBlog, createUser, issueApiToken, publishPost } from './support/factories';
import { waitUntil } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, type TestApp } from './support/test-app';
import { fillDisk, tmpfsRefusal } from './support/tmpfs';
import { WebhookReceiver } from './support/webhook-receiver';

/**
 * A webhook while the disk is full, for real: the app's SQLite file on a small tmpfs that a
 * filler file fills (as test/full-disk.e2e-spec.ts). Reads still work, so a request can go out,
 * but its outcome cannot be recorded.
 */

/** Small, so that filling it is quick; large enough for the migrated database and its WAL. */
const TMPFS_SIZE = '8m';
/** The sender looks for due webhooks every 5 s: one look and a margin. */
const ONE_SWEEP_MS = 6500;

const refusal = tmpfsRefusal();
if (refusal) {
  console.warn(
    `test/webhooks-full-disk.e2e-spec.ts SKIPPED: cannot mount a tmpfs here (${refusal})`,
  );
}
// Mounting needs root (or CAP_SYS_ADMIN): where it is refused, the suite says so and why.
const describeOnTmpfs = refusal ? describe.skip : describe;

describeOnTmpfs(
  refusal
    ? `Webhooks on a full disk: SKIPPED, mounting a tmpfs is not permitted here (${refusal})`
    : 'Webhooks on a full disk (SQLite on a small tmpfs)',
  () => {
    let dataDir: string;
    let mounted = false;
    let testApp: TestApp;
    let receiver: WebhookReceiver;
    const filler = () => join(dataDir, 'filler');

    beforeAll(async () => {
      dataDir = makeDataDir();
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_SIZE}`, 'tmpfs', dataDir]);
      mounted = true;
      testApp = await startTestApp(dataDir, {
        WEBHOOK_TIMEOUT_MS: '5000',
        WEBHOOK_RETRY_MIN_MS: '50',
        WEBHOOK_RETRY_MAX_MS: '200',
      });
      receiver = await new WebhookReceiver().start();
    });

    afterAll(async () => {
      await testApp?.close();
      await receiver?.stop();
      if (mounted) execFileSync('umount', ['--lazy', dataDir]);
      removeDataDir(dataDir);
    });

    it('should send nothing while the outcome cannot be recorded, then that event again once writes work', async () => {
      const token = await issueApiToken(testApp, await createUser(testApp, { role: 'admin' }));
      const { slug } = await createBlog(testApp, token);
      const added = await request(testApp.url)
        .post('/api/webhooks')
        .auth(token, { type: 'bearer' })
        .send({ url: receiver.url, blog: slug })
        .expect(201);
      receiver.secret = added.body.secret as string;
      const hookId = added.body.webhook.id as number;
      receiver.plan.push('hang');
      const { eventId } = await publishPost(testApp, token, slug);
      await receiver.waitForId(eventId);

      fillDisk(filler());
      // Delivered, but the disk is full: the cursor cannot move past it.
      receiver.releaseHeld();
      await waitUntil(
        async () => (await request(testApp.url).get('/health')).status === 503,
        () => '/health to say that writes fail',
      );
      // What cannot be awaited: no request during a look for due webhooks (before, every look
      // sent the event again, and logged an error).
      await new Promise((resolve) => setTimeout(resolve, ONE_SWEEP_MS));
      expect(receiver.ids()).toEqual([eventId]);

      // Nothing else writes, and nobody asks /health (whose probe would clear the failure): the
      // sender finds out by itself that writes work again.
      rmSync(filler());
      // A probe at most every 5 s, shared with /health's: at worst two sweeps.
      await waitUntil(
        () => receiver.calls.length >= 2,
        () => `the event sent again (got ${receiver.ids().join(', ')})`,
        2 * ONE_SWEEP_MS,
      );
      await waitUntil(
        async () => {
          const { body } = await request(testApp.url)
            .get(`/api/webhooks/${hookId}/deliveries`)
            .auth(token, { type: 'bearer' });
          return (body.deliveries as unknown[]).length === 1;
        },
        () => 'the delivery recorded',
      );

      // At least once: the event whose outcome was lost, again; then it is done with.
      expect(receiver.deliveredIds()).toEqual([eventId, eventId]);
      expect(receiver.calls.every((call) => call.verified)).toBe(true);
      const listed = await request(testApp.url)
        .get('/api/webhooks')
        .auth(token, { type: 'bearer' })
        .expect(200);
      expect(listed.body.webhooks).toEqual([
        expect.objectContaining({ id: hookId, state: 'healthy', lastEventId: eventId }),
      ]);
      const { body } = await request(testApp.url)
        .get(`/api/webhooks/${hookId}/deliveries`)
        .auth(token, { type: 'bearer' });
      expect(body.deliveries).toEqual([
        expect.objectContaining({ eventId, outcome: 'delivered', attempt: 1 }),
      ]);
    });
  },
);
