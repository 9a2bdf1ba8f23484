/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import {
  createApiToken,
  createBlog,
  createUser,
  PASSWORD,
  signIn,
  TestUser,
} from '../support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

describe('Drafts, scheduling and review in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  let contributor: TestUser;
  let slug: string;
  const contexts: BrowserContext[] = [];
  let scriptErrors: string[];
  let cspViolations: string[];
  /** What the next window.prompt() is answered with. */
  let promptAnswer = '';

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
    contributor = await createUser(testApp, { role: 'contributor', name: 'Cy Stringer' });
    const token = await createApiToken(await signIn(testApp, editor));
    slug = (await createBlog(testApp, token, { title: 'Election night' })).slug;
    scriptErrors = [];
    cspViolations = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await testApp.close();
    removeDataDir(dataDir);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  async function newPage(width = 1280): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on(
      'dialog',
      (dialog: Dialog) =>
        void (dialog.type() === 'prompt' ? dialog.accept(promptAnswer) : dialog.accept()),
    );
    return page;
  }

  async function composerOf(user: TestUser, width?: number): Promise<Page> {
    const page = await newPage(width);
    await page.goto(`${testApp.url}/admin/login`);
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    await page.goto(`${testApp.url}/admin/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    return page;
  }

  async function readerPage(): Promise<Page> {
    const page = await newPage();
    await page.goto(`${testApp.url}/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    return page;
  }

  async function write(page: Page, title: string, body: string): Promise<void> {
    await page.locator('#composer-title').fill(title);
    await page.locator('#composer-body').fill(body);
  }

  it('should save a draft no reader sees, then publish it from the list to readers live', async () => {
    const desk = await composerOf(editor);
    const reader = await readerPage();
    await write(desk, 'Exit poll', 'Exit poll: the incumbents lead by four points.');
    await desk.locator('.composer-actions').getByRole('button', { name: 'Save draft' }).click();
    const item = desk.locator('#drafts li', { hasText: 'Exit poll' });
    await item.waitFor();
    await expect(desk.locator('#composer-body').inputValue()).resolves.toBe('');
    await desk.screenshot({ path: join(ARTIFACTS_DIR, 'drafts-composer-desktop.png') });

    await item.getByRole('button', { name: 'Publish' }).click();
    const published = reader.locator('#entries article', { hasText: 'incumbents lead' });
    await published.waitFor();
    await expect(published.locator('.entry-title').textContent()).resolves.toBe('Exit poll');
    await desk.locator('#drafts').waitFor({ state: 'hidden' });
    await desk.locator('#entries article', { hasText: 'incumbents lead' }).waitFor();
  });

  it('should schedule an entry in the browser’s own time and show it to readers when it is due', async () => {
    const desk = await composerOf(editor);
    const reader = await readerPage();
    await write(desk, 'Polls close', 'Polls have closed. Counting starts now.');
    // datetime-local takes the browser's local time, here to the second.
    const due = new Date(Date.now() + 3000);
    const local = await desk.evaluate((time) => {
      const date = new Date(time);
      return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 19);
    }, due.toISOString());
    await desk.locator('#composer-publish-at').fill(local);
    await desk.getByRole('button', { name: 'Schedule' }).click();
    await desk.locator('#scheduled li', { hasText: 'Polls close' }).waitFor();
    await expect(reader.locator('#entries article').count()).resolves.toBe(0);

    await reader.locator('#entries article', { hasText: 'Counting starts now' }).waitFor();
    await desk.locator('#scheduled').waitFor({ state: 'hidden' });
  });

  it('should let a contributor submit a draft that an editor sends back with a note, then publishes', async () => {
    const stringer = await composerOf(contributor);
    await expect(stringer.getByRole('button', { name: 'Publish' }).count()).resolves.toBe(0);
    await write(stringer, 'Queues at the school', 'Long queues at the polling station.');
    await stringer
      .locator('.composer-actions')
      .getByRole('button', { name: 'Submit for review' })
      .click();
    await stringer.locator('#drafts li', { hasText: 'Queues at the school' }).waitFor();

    const desk = await composerOf(editor);
    const queued = desk.locator('#review-queue li', { hasText: 'Queues at the school' });
    await expect(queued.locator('.editorial-about').textContent()).resolves.toMatch(
      /^Submitted by Cy Stringer/,
    );
    promptAnswer = 'How long? Give a number.';
    await queued.getByRole('button', { name: 'Send back…' }).click();
    await desk.locator('#review-queue').waitFor({ state: 'hidden' });

    await stringer.reload();
    const mine = stringer.locator('#drafts li', { hasText: 'Queues at the school' });
    await expect(mine.locator('.editorial-note').textContent()).resolves.toBe(
      'Sent back: How long? Give a number.',
    );
    await mine.getByRole('button', { name: 'Edit' }).click();
    await stringer.locator('#composer-editing').waitFor();
    await stringer.locator('#composer-body').fill('Queues of about 200 at the polling station.');
    await stringer
      .locator('.composer-actions')
      .getByRole('button', { name: 'Submit for review' })
      .click();
    await stringer.locator('#drafts li', { hasText: 'Queues at the school' }).waitFor();
    await stringer.screenshot({ path: join(ARTIFACTS_DIR, 'drafts-contributor-desktop.png') });

    await desk.reload();
    const resubmitted = desk.locator('#review-queue li', { hasText: 'Queues at the school' });
    await resubmitted.getByRole('button', { name: 'Publish' }).click();
    const entry = desk.locator('#entries article', { hasText: 'about 200' });
    await entry.waitFor();
    await expect(entry.locator('.entry-author').textContent()).resolves.toBe('Cy Stringer');
  });

  it('should fit the lists on a phone', async () => {
    const desk = await composerOf(editor, 390);
    await write(desk, 'Turnout', 'Turnout at noon: 31 %.');
    await desk.locator('.composer-actions').getByRole('button', { name: 'Save draft' }).click();
    await desk.locator('#drafts li', { hasText: 'Turnout' }).waitFor();
    await desk.screenshot({
      path: join(ARTIFACTS_DIR, 'drafts-composer-phone.png'),
      fullPage: true,
    });
    const overflow = await desk.evaluate(
      () => document.documentElement.scrollWidth > window.innerWidth,
    );
    expect(overflow).toBe(false);
  });
});
