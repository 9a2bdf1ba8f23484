import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createApiToken, createBlog, createUser, signIn } from './factories';
import { ApiWriter, EventSourceReader } from './sse-client';
import type { TestApp, TestAppPool } from './test-app';
import { WebhookReceiver } from './webhook-receiver';

const CLI = join(__dirname, '..', '..', 'dist', 'src', 'cli');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command of the built app (`npm run backup`, `npm run db:new-epoch`) without npm. */
export function runCli(
  name: 'backup' | 'new-epoch',
  args: string[],
  env: Record<string, string>,
): Promise<CliRun> {
  const script = join(CLI, `${name}.js`);
  if (!existsSync(script)) throw new Error(`${script} is missing: run "npm run build" first`);
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** What the reader page's stream element tells its script: where to follow, from where. */
export interface PageStream {
  streamUrl: string;
  lastEventId: number;
  epoch: string;
}

export async function readPageStream(testApp: TestApp, slug: string): Promise<PageStream> {
  const { text } = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
  const attribute = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(text)?.[1] ?? '';
  return {
    streamUrl: attribute('data-stream-url'),
    lastEventId: Number(attribute('data-last-event-id')),
    epoch: attribute('data-epoch'),
  };
}

/** The stream URL the page's script opens (public/js/blog-stream.js). */
export function pageStreamUrl(testApp: TestApp, page: PageStream): string {
  return `${testApp.url}${page.streamUrl}?after=${page.lastEventId}&epoch=${encodeURIComponent(page.epoch)}`;
}

export interface RestoreSteps {
  /** Backs up the running app's database. */
  backUp(testApp: TestApp): Promise<void>;
  /** The app stopped: puts the backup in its database's place; answers the env to start on it. */
  restore(testApp: TestApp): Promise<Record<string, string>>;
}

/** Pauses or resumes a webhook through the API. */
async function setWebhookActive(testApp: TestApp, token: string, id: number, active: boolean) {
  await request(testApp.url)
    .patch(`/api/webhooks/${id}`)
    .auth(token, { type: 'bearer' })
    .send({ active })
    .expect(200);
}

/**
 * The case: a reader saw events the backup does not hold; the restored database hands
 * out the same ids again for other entries. The reader must reset (and learn the new epoch)
 * rather than resume at a cursor that only looks valid, and then follow live, also across a
 * reconnect, without resetting again.
 *
 * A webhook paused in the copy sends again, once resumed, what it had sent after the backup:
 * those repeats carry the epoch they were first sent with, the ids handed out again the new one.
 */
export async function expectReaderToResetAfterRestore(
  pool: TestAppPool,
  steps: RestoreSteps,
): Promise<void> {
  const dataDir = pool.dataDir();
  // Short retries, so the reader's own reconnect after the last restart comes at once.
  const env = { SSE_RETRY_MS: '100' };
  let testApp = await pool.startIn(dataDir, env);
  const port = new URL(testApp.url).port;
  // An admin: webhooks are theirs.
  const editor = await createUser(testApp, { role: 'admin' });
  const token = await createApiToken(await signIn(testApp, editor));
  const { slug } = await createBlog(testApp, token);
  const receiver = await new WebhookReceiver().start();
  let writer = new ApiWriter(testApp, token);
  const readers: EventSourceReader[] = [];
  const follow = (url: string, lastEventId?: string) => {
    const reader = new EventSourceReader(url, { lastEventId });
    readers.push(reader);
    return reader;
  };
  try {
    const { body: added } = await request(testApp.url)
      .post('/api/webhooks')
      .auth(token, { type: 'bearer' })
      .send({ url: receiver.url, blog: slug })
      .expect(201);
    receiver.secret = added.secret as string;
    const webhookId = added.webhook.id as number;
    // Paused in the copy, its cursor before the copy's last event.
    await setWebhookActive(testApp, token, webhookId, false);
    const kickOff = await writer.publish(slug, 'Kick-off');
    const page = await readPageStream(testApp, slug);
    expect(page.epoch).toMatch(/^[\w-]{16}$/);
    const before = follow(pageStreamUrl(testApp, page));
    await before.waitForOpen();

    await steps.backUp(testApp);
    await setWebhookActive(testApp, token, webhookId, true);
    const lost = [await writer.publish(slug, 'Lost 1'), await writer.publish(slug, 'Lost 2')];
    await before.waitForId(lost[1].eventId);
    await receiver.waitForId(lost[1].eventId);
    const sentBefore = receiver.calls.length;
    before.close();
    writer.close();
    await pool.close(testApp);

    const restored = { ...env, ...(await steps.restore(testApp)), PORT: port };
    testApp = await pool.startIn(dataDir, restored);
    writer = new ApiWriter(testApp, token);
    const again = [
      await writer.publish(slug, 'Again 1'),
      await writer.publish(slug, 'Again 2'),
      await writer.publish(slug, 'Again 3'),
    ];
    // The restored log reuses the ids the reader saw: its cursor looks valid.
    expect(again.map((write) => write.eventId)).toEqual(
      expect.arrayContaining(lost.map((write) => write.eventId)),
    );

    const resumed = follow(pageStreamUrl(testApp, page), String(lost[1].eventId));
    await resumed.waitFor((reader) => reader.messages.length > 0, 'the first event');
    const [reset] = resumed.messages;
    expect(reset.type).toBe('reset');
    const { epoch } = JSON.parse(reset.data) as { reason: string; epoch: string };
    expect(JSON.parse(reset.data)).toEqual({
      reason: expect.stringMatching(/restored from a backup/),
      epoch: expect.not.stringMatching(`^${page.epoch}$`),
    });
    resumed.close();

    await setWebhookActive(testApp, token, webhookId, true);
    await receiver.waitForId(again[2].eventId);
    const sent = receiver.calls.map((call) => [call.json.id, call.json.epoch]);
    expect(sent.slice(0, sentBefore)).toEqual(
      [kickOff, ...lost].map((write) => [write.eventId, page.epoch]),
    );
    // The copy's event again under its own epoch: a receiver sees a repeat.
    expect(sent.slice(sentBefore)).toEqual([
      [kickOff.eventId, page.epoch],
      ...again.map((write) => [write.eventId, epoch]),
    ]);

    // As the page's script does: reload the entries, then follow in the new epoch.
    const { body: reloaded } = await request(testApp.url)
      .get(`/api/blogs/${slug}/posts`)
      .expect(200);
    expect(reloaded.posts.map((post: { body: string }) => post.body)).toEqual([
      'Again 3',
      'Again 2',
      'Again 1',
      'Kick-off',
    ]);
    const following = follow(
      `${testApp.url}${page.streamUrl}?after=${reloaded.lastEventId}&epoch=${epoch}`,
    );
    await following.waitForOpen();
    const live = await writer.publish(slug, 'Live after the restore');
    await following.waitForId(live.eventId);

    // A restart of the server: the reader reconnects by itself, in the new epoch, no reset.
    writer.close();
    await pool.close(testApp);
    testApp = await pool.startIn(dataDir, restored);
    writer = new ApiWriter(testApp, token);
    const later = await writer.publish(slug, 'Live after a restart');
    await following.waitForId(later.eventId);
    expect(following.messages.map((message) => message.type)).toEqual(['post', 'post']);
  } finally {
    writer.close();
    for (const reader of readers) reader.close();
    await receiver.stop();
  }
}
