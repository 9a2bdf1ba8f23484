/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createBlog, createUser, issueApiToken, PASSWORD } from '../support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

describe('API docs in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let slug: string;
  const contexts: BrowserContext[] = [];
  /** What the strict Content-Security-Policy blocked: nothing, Swagger UI included. */
  let cspViolations: string[];
  let scriptErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir);
    const editor = await createUser(testApp, { email: 'eddie@example.test', name: 'Eddie' });
    slug = (await createBlog(testApp, await issueApiToken(testApp, editor), { title: 'Cup final' }))
      .slug;
    cspViolations = [];
    scriptErrors = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await testApp.close();
    removeDataDir(dataDir);
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') scriptErrors.push(message.text());
    });
    return page;
  }

  /** The operation's block in Swagger UI, e.g. `POST /api/blogs/{slug}/posts`. */
  function operation(page: Page, method: string, path: string) {
    return page.locator(`.opblock-${method.toLowerCase()}`, {
      has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
    });
  }

  it('should list every operation from /api/openapi.json, under the strict policy', async () => {
    const page = await newPage();
    const answer = await page.goto(`${testApp.url}/api/docs`);
    expect(answer?.status()).toBe(200);
    await page.getByRole('heading', { name: /Liveblog API/ }).waitFor();

    const document = (await (await fetch(`${testApp.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const expected = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const shown = await page
      .locator('.opblock-summary')
      .evaluateAll((summaries) =>
        summaries.map(
          (summary) =>
            `${summary.querySelector('.opblock-summary-method')?.textContent} ${summary
              .querySelector('.opblock-summary-path')
              ?.getAttribute('data-path')}`,
        ),
      );
    expect(shown.sort()).toEqual(expected.sort());
    expect(shown).toContain('POST /api/blogs/{slug}/posts');
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'api-docs-desktop.png') });
    await expect(operation(page, 'POST', '/api/blogs/{slug}/posts').isVisible()).resolves.toBe(
      true,
    );

    // An operation opens with its schema; the security lock says it needs signing in.
    await operation(page, 'POST', '/api/blogs/{slug}/posts').locator('.opblock-summary').click();
    await page.locator('.opblock-body').first().waitFor();
    await expect(
      operation(page, 'POST', '/api/blogs/{slug}/posts').locator('.authorization__btn').count(),
    ).resolves.toBe(1);
    await expect(
      operation(page, 'GET', '/api/blogs').locator('.authorization__btn').count(),
    ).resolves.toBe(0);

    await operation(page, 'POST', '/api/blogs/{slug}/posts').screenshot({
      path: join(ARTIFACTS_DIR, 'api-docs-operation-desktop.png'),
    });
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  it("should try out a read, and a write with the browser's session and its CSRF token", async () => {
    const page = await newPage();
    await page.goto(`${testApp.url}/admin/login`);
    await page.getByLabel('Email').fill('eddie@example.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    await page.goto(`${testApp.url}/api/docs`);

    const listBlogs = operation(page, 'GET', '/api/blogs');
    await listBlogs.locator('.opblock-summary').click();
    await listBlogs.getByRole('button', { name: 'Try it out' }).click();
    await listBlogs.getByRole('button', { name: 'Execute' }).click();
    await listBlogs
      .locator('.live-responses-table .response-col_status', { hasText: '200' })
      .waitFor();
    await expect(listBlogs.locator('.live-responses-table').textContent()).resolves.toContain(
      'Cup final',
    );

    const publish = operation(page, 'POST', '/api/blogs/{slug}/posts');
    await publish.locator('.opblock-summary').click();
    await publish.getByRole('button', { name: 'Try it out' }).click();
    await publish.locator('input[placeholder="slug"]').fill(slug);
    await publish.locator('textarea.body-param__text').fill('{"body": "Kick-off from the docs"}');
    await publish.getByRole('button', { name: 'Execute' }).click();
    await publish
      .locator('.live-responses-table .response-col_status', { hasText: '201' })
      .waitFor();

    const posts = (await (await fetch(`${testApp.url}/api/blogs/${slug}/posts`)).json()) as {
      posts: Array<{ body: string; author: { name: string } }>;
    };
    expect(posts.posts).toEqual([
      expect.objectContaining({
        body: 'Kick-off from the docs',
        author: expect.objectContaining({ name: 'Eddie' }),
      }),
    ]);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
