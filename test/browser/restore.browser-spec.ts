/// <reference lib="dom" />
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import { sessionSecretPath } from '../../src/config/session-secret';
import { secretCopyPath } from '../../src/database/sqlite-backup';
import { launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, signIn } from '../support/factories';
import { runCli } from '../support/restore-scenario';
import { ApiWriter, waitUntil } from '../support/sse-client';
import { TestApp, TestAppPool } from '../support/test-app';

const LIVE_ENV = { SSE_RETRY_MS: '300' };

describe('Reader page across a restore from a backup', () => {
  const pool = new TestAppPool();
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const streamRequests: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    page = await browser.newPage();
    await recordCspViolations(page, cspViolations);
    page.on('request', (sent) => {
      if (sent.url().includes('/events')) streamRequests.push(sent.url());
    });
  });

  afterAll(async () => {
    await browser.close();
    await pool.closeAll();
  });

  const bodies = () =>
    page
      .locator('#entries article .entry-body')
      .evaluateAll((items) => items.map((item) => item.textContent));

  const restored = ['Again 3', 'Again 2', 'Again 1', 'Kick-off'];

  /**
   * The page follows a blog; a backup is taken; two entries the page shows are published;
   * then, while the page cannot reach the server, the blog is restored from the backup and
   * publishes three entries again, which reuse the ids the page saw: its cursor looks valid.
   * `beforeReconnect` runs just before the page can reach the server again.
   */
  async function restoreBehindThePage(
    beforeReconnect: () => Promise<unknown> = () => Promise.resolve(),
  ): Promise<{ testApp: TestApp; writer: ApiWriter; slug: string }> {
    const dataDir = pool.dataDir();
    let testApp: TestApp = await pool.startIn(dataDir, LIVE_ENV);
    const port = new URL(testApp.url).port;
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    const { slug } = await createBlog(testApp, token);
    let writer = new ApiWriter(testApp, token);
    await writer.publish(slug, 'Kick-off');
    await page.goto(`${testApp.url}/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();

    const backupFile = join(pool.dataDir(), 'backup.sqlite');
    expect(
      (await runCli('backup', [backupFile], { DATABASE_PATH: testApp.databasePath })).code,
    ).toBe(0);
    await writer.publish(slug, 'Lost 1');
    await writer.publish(slug, 'Lost 2');
    await waitUntil(
      async () => (await bodies()).length === 3,
      () => 'the entries after the backup',
    );

    await page.route('**/events?**', (route) => route.abort());
    writer.close();
    await pool.close(testApp);
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(testApp.databasePath + suffix, { force: true });
    copyFileSync(backupFile, testApp.databasePath);
    copyFileSync(secretCopyPath(backupFile), sessionSecretPath(testApp.databasePath));
    testApp = await pool.startIn(dataDir, { ...LIVE_ENV, PORT: port });
    writer = new ApiWriter(testApp, token);
    for (const body of ['Again 1', 'Again 2', 'Again 3']) await writer.publish(slug, body);
    await beforeReconnect();
    await page.unroute('**/events?**');
    return { testApp, writer, slug };
  }

  it('should show the restored blog with its new entries, no lost or doubled one, and reset only once', async () => {
    const { writer, slug } = await restoreBehindThePage();

    await waitUntil(
      async () => JSON.stringify(await bodies()) === JSON.stringify(restored),
      () => 'the restored entries on the page',
    );
    await writer.publish(slug, 'Live again');
    await waitUntil(
      async () => (await bodies())[0] === 'Live again',
      () => 'a live entry after the restore',
    );
    const requestsOnceLive = streamRequests.length;
    await writer.publish(slug, 'And again');
    await waitUntil(
      async () => (await bodies())[0] === 'And again',
      () => 'the next live entry',
    );
    writer.close();

    expect(await bodies()).toEqual(['And again', 'Live again', ...restored]);
    // No reset loop: the stream stayed open, in the restored database's epoch.
    expect(streamRequests.length).toBe(requestsOnceLive);
    const epoch = await page.locator('#stream').getAttribute('data-epoch');
    expect(new URL(streamRequests.at(-1)!).searchParams.get('epoch')).not.toBe(epoch);
    expect(cspViolations).toEqual([]);
  });

  it('should reset again, not resume from its old cursor, when the reload after a reset fails', async () => {
    let reloads = 0;
    const { writer, slug } = await restoreBehindThePage(() =>
      // The first reload after the reset fails, as during a restart of the server.
      page.route(`**/api/blogs/*/posts`, (route) =>
        reloads++ === 0 ? route.fulfill({ status: 503, body: '' }) : route.continue(),
      ),
    );

    await waitUntil(
      async () => JSON.stringify(await bodies()) === JSON.stringify(restored),
      () => 'the restored entries on the page',
      20_000,
    );
    await page.unroute(`**/api/blogs/*/posts`);
    expect(reloads).toBeGreaterThanOrEqual(2);
    await writer.publish(slug, 'Live again');
    await waitUntil(
      async () => (await bodies())[0] === 'Live again',
      () => 'a live entry after the restore',
    );
    writer.close();
    expect(await bodies()).toEqual(['Live again', ...restored]);
  });

  it('should back off when the processes behind the proxy disagree on the epoch', async () => {
    const testApp = await pool.start(LIVE_ENV);
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    const { slug } = await createBlog(testApp, token);
    const writer = new ApiWriter(testApp, token);
    await writer.publish(slug, 'Kick-off');
    // The first three streams reach a process of the other epoch than the one they carry (a
    // rolling restart after db:new-epoch): each answers reset with its own.
    const streamsAt: number[] = [];
    await page.route('**/events?**', (route) => {
      streamsAt.push(Date.now());
      if (streamsAt.length > 3) return route.continue();
      const carried = new URL(route.request().url()).searchParams.get('epoch');
      const other = carried === 'process-a' ? 'process-b' : 'process-a';
      const reset = { reason: 'The blog was restored from a backup', epoch: other };
      return route.fulfill({
        status: 200,
        contentType: 'text/event-stream',
        body: `retry: 60000\nid: 1\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`,
      });
    });
    const realEpoch = (await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200)).body
      .epoch as string;
    await page.goto(`${testApp.url}/blogs/${slug}`);

    // The fourth, to the real server, carries the epoch of the reload's answer, not of the
    // reset before it: live at once.
    await waitUntil(
      () => streamsAt.length === 4,
      () => `the stream in the real epoch, after ${streamsAt.length} streams`,
      20_000,
    );
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    expect(new URL(streamRequests.at(-1)!).searchParams.get('epoch')).toBe(realEpoch);
    await writer.publish(slug, 'Live again');
    await waitUntil(
      async () => (await bodies())[0] === 'Live again',
      () => 'a live entry once the epochs agree',
    );
    writer.close();
    await page.unroute('**/events?**');

    const gaps = streamsAt.slice(1).map((at, index) => at - streamsAt[index]);
    expect(gaps).toHaveLength(3);
    // The first reset reloads at once; each one after it waits at least half of 1 s, 2 s.
    expect(gaps.slice(1).map((gap, index) => gap >= 500 * 2 ** index)).toEqual([true, true]);
    expect(await bodies()).toEqual(['Live again', 'Kick-off']);
    expect(cspViolations).toEqual([]);
  });

  it('should reload and go live after a reset whose data does not parse', async () => {
    const testApp = await pool.start(LIVE_ENV);
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    const { slug } = await createBlog(testApp, token);
    const writer = new ApiWriter(testApp, token);
    await writer.publish(slug, 'Kick-off');
    let streams = 0;
    await page.route('**/events?**', (route) =>
      streams++ === 0
        ? route.fulfill({
            status: 200,
            contentType: 'text/event-stream',
            body: `retry: 60000\nid: 1\nevent: reset\ndata: {"reason": "cut short\n\n`,
          })
        : route.continue(),
    );
    await page.goto(`${testApp.url}/blogs/${slug}`);

    await waitUntil(
      () => streams === 2,
      () => 'a stream after the reset',
    );
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await writer.publish(slug, 'Live again');
    await waitUntil(
      async () => (await bodies())[0] === 'Live again',
      () => 'a live entry after the reset',
    );
    writer.close();
    await page.unroute('**/events?**');
    expect(await bodies()).toEqual(['Live again', 'Kick-off']);
  });
});
