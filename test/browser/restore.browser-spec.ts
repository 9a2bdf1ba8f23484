/// <reference lib="dom" />
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

  it('should show the restored blog with its new entries, no lost or doubled one, and reset only once', async () => {
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

    // The page does not reach the server until the restored one has published again, so its
    // cursor looks valid there.
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
    await page.unroute('**/events?**');

    const restored = ['Again 3', 'Again 2', 'Again 1', 'Kick-off'];
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
});
