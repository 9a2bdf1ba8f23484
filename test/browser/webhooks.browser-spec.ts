import { join } from 'node:path';
import request from 'supertest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createBlog, createUser, issueApiToken, PASSWORD, publishPost } from '../support/factories';
import { waitUntil } from '../support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

describe('Webhooks page in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  const receivers: WebhookReceiver[] = [];
  const cspViolations: string[] = [];
  const scriptErrors: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = makeDataDir();
    // A failed delivery waits a minute: the page shows the webhook retrying.
    testApp = await startTestApp(dataDir, { WEBHOOK_RETRY_MIN_MS: '60000' });
  });

  afterAll(async () => {
    await browser.close();
    await testApp.close();
    removeDataDir(dataDir);
    for (const receiver of receivers) await receiver.stop();
  });

  async function adminPage(): Promise<Page> {
    const admin = await createUser(testApp, { role: 'admin', name: 'Ada Admin' });
    const context = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${testApp.url}/admin/login`);
    await page.getByLabel('Email').fill(admin.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    return page;
  }

  async function addWebhook(page: Page, receiver: WebhookReceiver, blogTitle: string) {
    await page.getByLabel('URL to POST events to').fill(receiver.url);
    await page.getByLabel('Events of').selectOption({ label: blogTitle });
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.waitForURL(`${testApp.url}/admin/webhooks`);
    const card = page.locator('article.webhook', { hasText: receiver.url });
    receiver.secret = await card.locator('input.token-secret').inputValue();
    return card;
  }

  it('should add webhooks, show a failing one retrying and a healthy one, and pause one', async () => {
    const page = await adminPage();
    const token = await issueApiToken(testApp, await createUser(testApp, { role: 'admin' }));
    const blog = await createBlog(testApp, token, { title: 'Cup final' });
    const [healthy, failing] = [new WebhookReceiver(), new WebhookReceiver()];
    receivers.push(await healthy.start(), await failing.start());
    failing.plan.push('fail');

    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL(`${testApp.url}/admin/webhooks`);
    await addWebhook(page, healthy, 'Cup final');
    await addWebhook(page, failing, 'Cup final');
    for (const body of ['Kick-off', 'Goal! 1-0', 'Half time']) {
      await publishPost(testApp, token, blog.slug, { body });
    }
    await healthy.waitForCalls(3);
    await failing.waitForCalls(1);
    await waitUntil(
      async () => {
        const listed = await request(testApp.url)
          .get('/api/webhooks')
          .auth(token, { type: 'bearer' });
        return (listed.body.webhooks as Array<{ lastEventId: number; state: string }>).every(
          (view) => view.state === 'retrying' || view.lastEventId >= healthy.ids()[2],
        );
      },
      () => 'both webhooks recorded',
    );
    await page.reload();

    const healthyCard = page.locator('article.webhook', { hasText: healthy.url });
    const failingCard = page.locator('article.webhook', { hasText: failing.url });
    await expect(healthyCard.locator('.badge').textContent()).resolves.toBe('Healthy');
    await expect(healthyCard.locator('tbody tr').count()).resolves.toBe(3);
    await expect(failingCard.locator('.badge').textContent()).resolves.toBe('Retrying');
    await expect(failingCard.locator('.webhook-problem').textContent()).resolves.toContain(
      'Failed attempts so far: 1',
    );
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'admin-webhooks.png'), fullPage: true });

    await failingCard.getByRole('button', { name: 'Pause' }).click();
    await page.waitForURL(`${testApp.url}/admin/webhooks`);
    await expect(failingCard.locator('.badge').textContent()).resolves.toBe('Paused');
    await expect(failingCard.getByRole('button', { name: 'Resume' }).count()).resolves.toBe(1);
    expect(healthy.calls.every((call) => call.verified)).toBe(true);
    expect(scriptErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
