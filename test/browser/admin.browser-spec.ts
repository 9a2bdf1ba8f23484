/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createUser, PASSWORD, TestUser } from '../support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

describe('Admin in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  const contexts: BrowserContext[] = [];
  let scriptErrors: string[];
  /** What the strict Content-Security-Policy blocked on any admin or reader page: nothing. */
  let cspViolations: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, { SSE_RETRY_MS: '500' });
    editor = await createUser(testApp, { name: 'Sam Editor' });
    scriptErrors = [];
    cspViolations = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await testApp.close();
    removeDataDir(dataDir);
    expect(cspViolations).toEqual([]);
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('dialog', (dialog) => void dialog.accept());
    return page;
  }

  async function signInPage(user: TestUser = editor): Promise<Page> {
    const page = await newPage();
    await page.goto(`${testApp.url}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    return page;
  }

  async function publishWithShortcut(page: Page, text: string): Promise<void> {
    const box = page.locator('#composer-body');
    await box.fill(text);
    await box.press('Control+Enter');
    await page
      .locator('#entries article, #pinned-entries article', { hasText: text })
      .first()
      .waitFor();
    // The stream may show the entry a moment before the page has the API's answer, which
    // clears the composer.
    await page.waitForFunction(
      () => (document.getElementById('composer-body') as HTMLTextAreaElement).value === '',
      undefined,
      { timeout: 10_000 },
    );
    await expect(box.evaluate((element) => element === document.activeElement)).resolves.toBe(true);
  }

  it("should copy a blog's embed snippet from the dashboard", async () => {
    const admin = await signInPage();
    await admin.context().grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: testApp.url,
    });
    await admin.getByLabel('Title', { exact: true }).fill('Cup final');
    await admin.getByRole('button', { name: 'Create blog' }).click();
    await admin.waitForURL(`${testApp.url}/admin/blogs/cup-final`);
    await admin.goto(`${testApp.url}/admin`);

    await admin.getByText('Embed on another site').click();
    await admin.getByRole('button', { name: 'Copy' }).click();

    await admin.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
    await expect(admin.evaluate(() => navigator.clipboard.readText())).resolves.toBe(
      `<script src="${testApp.url}/embed.js" data-blog="cup-final" async></script>`,
    );
    await admin.screenshot({ path: join(ARTIFACTS_DIR, 'dashboard-embed-snippet.png') });
    expect(scriptErrors).toEqual([]);
  });

  it('should run a blog from the admin while a reader follows it live', async () => {
    const admin = await signInPage();
    await admin.getByLabel('Title', { exact: true }).fill('Cup final');
    await admin.getByRole('button', { name: 'Create blog' }).click();
    await admin.waitForURL(`${testApp.url}/admin/blogs/cup-final`);
    await admin.locator('#connection', { hasText: 'Live' }).waitFor();

    const reader = await newPage();
    await reader.goto(`${testApp.url}/blogs/cup-final`);
    await reader.locator('#connection', { hasText: 'Live' }).waitFor();

    await admin.locator('#composer-body').fill('**Preview** me');
    await admin.locator('#composer-preview strong', { hasText: 'Preview' }).waitFor();
    await publishWithShortcut(admin, 'Kick-off in Berlin');
    await publishWithShortcut(admin, 'Yellow card for number 4');
    await publishWithShortcut(admin, 'GOAL! 1-0');
    for (const text of ['Kick-off in Berlin', 'Yellow card for number 4', 'GOAL! 1-0']) {
      await reader.locator('article.entry', { hasText: text }).waitFor({ timeout: 1000 });
    }

    const goal = admin.locator('article.entry', { hasText: 'GOAL! 1-0' });
    await goal.getByRole('button', { name: 'Edit' }).click();
    await goal.locator('textarea').fill('GOAL! 1-0, a header from a corner');
    await goal.locator('textarea').press('Control+Enter');
    await reader
      .locator('article.entry', { hasText: 'a header from a corner' })
      .waitFor({ timeout: 1000 });

    const kickOff = admin.locator('article.entry', { hasText: 'Kick-off in Berlin' });
    await kickOff.getByRole('button', { name: 'Pin' }).click();
    await reader
      .locator('#pinned-entries article', { hasText: 'Kick-off in Berlin' })
      .waitFor({ timeout: 1000 });

    await admin
      .locator('article.entry', { hasText: 'Yellow card' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await reader
      .locator('article.entry', { hasText: 'Yellow card' })
      .waitFor({ state: 'detached', timeout: 1000 });
    // The admin page removes it on the API's answer, which may come after the stream's event.
    await admin.locator('article.entry', { hasText: 'Yellow card' }).waitFor({ state: 'detached' });
    await expect(admin.locator('article.entry').count()).resolves.toBe(2);

    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'admin-composer-desktop.png'),
      fullPage: true,
    });
    await admin.setViewportSize({ width: 390, height: 844 });
    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'admin-composer-phone.png'),
      fullPage: true,
    });
    await admin.goto(`${testApp.url}/admin`);
    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'admin-dashboard-phone.png'),
      fullPage: true,
    });
    await admin.setViewportSize({ width: 1280, height: 900 });
    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'admin-dashboard-desktop.png'),
      fullPage: true,
    });

    await admin.getByRole('button', { name: 'End blog' }).click();
    await admin.locator('.admin-blog', { hasText: 'Cup final' }).locator('.ended-badge').waitFor();
    await reader.reload();
    await reader.getByText('This live blog has ended').waitFor();
    expect(scriptErrors).toEqual([]);
  });

  it('should show entries that arrive live exactly as the server renders them, controls and all', async () => {
    const admin = await signInPage();
    await admin.getByLabel('Title', { exact: true }).fill('Budget day');
    await admin.getByRole('button', { name: 'Create blog' }).click();
    await admin.waitForURL(`${testApp.url}/admin/blogs/budget-day`);
    await admin.locator('#connection', { hasText: 'Live' }).waitFor();

    await publishWithShortcut(admin, 'Rendered with the page');
    await admin.reload();
    await admin.locator('#connection', { hasText: 'Live' }).waitFor();
    await admin.locator('#composer-pinned').check();
    await admin.locator('#composer-key-event').check();
    await publishWithShortcut(admin, 'The headline figures');
    await publishWithShortcut(admin, 'Fuel duty is frozen');
    const edited = admin.locator('article.entry', { hasText: 'Fuel duty' });
    await edited.getByRole('button', { name: 'Edit' }).click();
    await edited.locator('textarea').fill('Fuel duty is frozen for a year');
    await edited.locator('textarea').press('Control+Enter');
    await admin.locator('article.entry .entry-edited').waitFor();
    await admin.screenshot({
      path: join(ARTIFACTS_DIR, 'admin-composer-live-entries.png'),
      fullPage: true,
      animations: 'disabled',
    });

    const markup = () =>
      admin.locator('article.entry').evaluateAll((entries) =>
        entries
          .map((entry) => {
            const copy = entry.cloneNode(true) as HTMLElement;
            copy.classList.remove('is-new');
            return copy.outerHTML;
          })
          .sort(),
      );
    const live = await markup();
    expect(live).toHaveLength(3);
    expect(live.join('')).toContain('>Pinned</span>');
    expect(live.join('')).toContain('>· edited</span>');
    await admin.reload();
    await admin.locator('#connection', { hasText: 'Live' }).waitFor();
    await expect(markup()).resolves.toEqual(live);
    expect(scriptErrors).toEqual([]);
  });

  it('should not let a second editor overwrite an edit made meanwhile', async () => {
    const first = await signInPage();
    await first.getByLabel('Title', { exact: true }).fill('Verdict');
    await first.getByRole('button', { name: 'Create blog' }).click();
    await first.waitForURL(`${testApp.url}/admin/blogs/verdict`);
    await publishWithShortcut(first, 'The jury is out');

    const second = await signInPage(await createUser(testApp, { name: 'Alex Editor' }));
    await second.goto(`${testApp.url}/admin/blogs/verdict`);
    await second.locator('#connection', { hasText: 'Live' }).waitFor();

    const firstEntry = first.locator('article.entry', { hasText: 'The jury is out' });
    const secondEntry = second.locator('article.entry', { hasText: 'The jury is out' });
    await firstEntry.getByRole('button', { name: 'Edit' }).click();
    await secondEntry.getByRole('button', { name: 'Edit' }).click();

    await firstEntry.locator('textarea').fill('The jury is back: guilty');
    await firstEntry.getByRole('button', { name: 'Save' }).click();
    await first.locator('article.entry .entry-body', { hasText: 'guilty' }).waitFor();

    await secondEntry.locator('textarea').fill('The jury is back: not guilty');
    await secondEntry.getByRole('button', { name: 'Save' }).click();
    await secondEntry.getByText('Someone else saved this entry meanwhile').waitFor();
    await secondEntry.locator('.theirs', { hasText: 'The jury is back: guilty' }).waitFor();

    const reader = await newPage();
    await reader.goto(`${testApp.url}/blogs/verdict`);
    await expect(reader.locator('article.entry .entry-body').innerText()).resolves.toBe(
      'The jury is back: guilty',
    );
    expect(scriptErrors).toEqual([]);
  });
});
