/// <reference lib="dom" />
import { EventEmitter, once } from 'node:events';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { launchBrowser } from '../support/browser';
import {
  createApiToken,
  createBlog,
  createUser,
  PASSWORD,
  publishPost,
  signIn,
  TestUser,
} from '../support/factories';
import { WAIT_MS, within } from '../support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';
import { TITLE_MAX_LENGTH, XSS_CORPUS, XssVector } from '../support/xss-corpus';

/** Vectors sent while a page is open: they reach it over the stream, or as the preview. */
const LIVE_VECTORS = [
  'img onerror',
  'svg onload',
  'details ontoggle calling alert',
  'link title breaking out with a double quote',
  'HTML as link text',
  'Server-Sent Events frame injection',
].map((name) => XSS_CORPUS.find((vector) => vector.name === name)!);

/**
 * What the browser's own parser made of the page (it differs from any other parser where
 * mutation XSS lives): anything that could run script or load another document.
 */
function activeContentInPage(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const forbidden = ['iframe', 'frame', 'object', 'embed', 'svg', 'math', 'base', 'style'];
    const ownScripts = `${location.origin}/static/`;
    // A JSON-LD data block is never run; that it is whole JSON shows nothing broke out of it.
    const isJsonLd = (script: HTMLScriptElement) => {
      if (script.type !== 'application/ld+json' || script.src) return false;
      try {
        JSON.parse(script.text);
        return true;
      } catch {
        return false;
      }
    };
    for (const element of Array.from(document.querySelectorAll('*'))) {
      const where = element.outerHTML.slice(0, 160);
      if (forbidden.includes(element.localName)) problems.push(`<${element.localName}>: ${where}`);
      if (
        element instanceof HTMLScriptElement &&
        !element.src.startsWith(ownScripts) &&
        !isJsonLd(element)
      ) {
        problems.push(`a script: ${where}`);
      }
      for (const attribute of Array.from(element.attributes)) {
        if (attribute.name.startsWith('on') || attribute.name === 'style') {
          problems.push(`a ${attribute.name} attribute: ${where}`);
        }
      }
      const url =
        element instanceof HTMLAnchorElement && element.hasAttribute('href')
          ? element.href
          : element instanceof HTMLImageElement && element.hasAttribute('src')
            ? element.src
            : element instanceof HTMLFormElement
              ? element.action
              : null;
      if (url !== null && !['http:', 'https:', 'mailto:'].includes(new URL(url).protocol)) {
        problems.push(`a ${new URL(url).protocol} URL: ${where}`);
      }
    }
    return problems;
  });
}

describe('XSS corpus in a browser (security issue 6)', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let editor: TestUser;
  let token: string;
  let slug: string;
  /** The corpus's entries in the blog, by marker. */
  const postIds = new Map<number, number>();
  let context: BrowserContext;
  let fired: number[];
  const markers = new EventEmitter();
  let dialogs: string[];
  let scriptErrors: string[];

  beforeAll(async () => {
    browser = await launchBrowser();
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, {
      SSE_RETRY_MS: '500',
      API_WRITE_RATE_LIMIT: '100000',
    });
    editor = await createUser(testApp, { name: 'Sam "><img src=x onerror=__xss(0)>' });
    token = await createApiToken(await signIn(testApp, editor));
    slug = (
      await createBlog(testApp, token, {
        title: '</title><script>__xss(0)</script>',
        description: '"><svg onload=__xss(0)>',
      })
    ).slug;
    for (const vector of XSS_CORPUS) {
      const { post } = await publishPost(testApp, token, slug, { body: vector.source });
      postIds.set(vector.marker, post.id);
      if (vector.source.trim().length <= TITLE_MAX_LENGTH) {
        await createBlog(testApp, token, { title: vector.source, description: vector.source });
      }
    }
  }, 120_000);

  afterAll(async () => {
    await testApp?.close();
    removeDataDir(dataDir);
    await browser?.close();
  });

  beforeEach(async () => {
    fired = [];
    dialogs = [];
    scriptErrors = [];
    // Without the CSP, which would block inline script anyway: the pages must be inert by
    // their markup alone. Anything but the app itself is unreachable here, and refused fast.
    context = await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 } });
    await context.exposeFunction('__xss', (marker: number) => {
      fired.push(marker);
      markers.emit('fired');
    });
    await context.route(
      (url) => url.origin !== testApp.url,
      (route) => route.abort(),
    );
  });

  afterEach(async () => {
    await context.close();
  });

  async function newPage(): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    return page;
  }

  async function waitForMarkers(count: number): Promise<void> {
    while (fired.length < count) {
      await within(once(markers, 'fired'), WAIT_MS, `${count} markers, got ${fired.join(', ')}`);
    }
  }

  async function publishLive(page: Page, vector: XssVector): Promise<number> {
    const { post } = await publishPost(testApp, token, slug, { body: vector.source });
    await page.locator(`#post-${post.id} .entry-body`, { hasText: vector.visible }).waitFor();
    return post.id;
  }

  it('should notice a vector that runs: the check itself', async () => {
    const page = await newPage();
    await page.goto(`${testApp.url}/static/css/site.css`);
    await page.setContent(
      '<img src="/static/missing.png" onerror="__xss(1)"><p id="done"></p>' +
        '<svg onload="__xss(2)"></svg><a href="javascript:__xss(3)">x</a>' +
        '<script>document.getElementById("done").textContent = "done"; alert(4)</script>',
    );
    await page.locator('#done', { hasText: 'done' }).waitFor();
    await expect(activeContentInPage(page)).resolves.toHaveLength(5);
    await page.locator('a').click();
    await waitForMarkers(3);
    expect([...fired].sort()).toEqual([1, 2, 3]);
    expect(dialogs).toEqual(['alert: 4']);
  });

  it('should run nothing on the reader, permalink and home pages, nor from the stream', async () => {
    const page = await newPage();
    await page.goto(`${testApp.url}/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    // Older entries come from the JSON API, inserted by the reader script.
    while ((await page.locator('#load-older').count()) > 0) {
      const shown = await page.locator('article.entry').count();
      await page.locator('#load-older').click();
      await page.locator(`article.entry >> nth=${shown}`).waitFor();
    }
    for (const vector of XSS_CORPUS) {
      await expect(
        page.locator(`#post-${postIds.get(vector.marker)} .entry-body`).innerText(),
      ).resolves.toContain(vector.visible);
    }

    // Scrolled down, new entries would wait behind the "new updates" button.
    await page.evaluate(() => window.scrollTo(0, 0));
    const live: number[] = [];
    for (const vector of LIVE_VECTORS) live.push(await publishLive(page, vector));
    const [first, second] = LIVE_VECTORS;
    await request(testApp.url)
      .patch(`/api/blogs/${slug}/posts/${live[0]}`)
      .auth(token, { type: 'bearer' })
      .send({ body: second.source })
      .expect(200);
    await page.locator(`#post-${live[0]} .entry-body`, { hasText: second.visible }).waitFor();
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    await page.goto(`${testApp.url}/blogs/${slug}/posts/${postIds.get(first.marker)}`);
    await expect(activeContentInPage(page)).resolves.toEqual([]);
    await page.goto(`${testApp.url}/blogs/${slug}/posts/${live.at(-1)}`);
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    await page.goto(testApp.url);
    await expect(page.locator('.blog-card').count()).resolves.toBeGreaterThan(
      XSS_CORPUS.length / 2,
    );
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    expect(fired).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  it('should run nothing in the admin composer: its entries, live ones and the preview', async () => {
    const page = await newPage();
    await page.goto(`${testApp.url}/admin`);
    await page.getByLabel('Email').fill(editor.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${testApp.url}/admin`);
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    await page.goto(`${testApp.url}/admin/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    const box = page.locator('#composer-body');
    for (const vector of LIVE_VECTORS) {
      await box.fill(vector.source);
      await page.locator('#composer-preview', { hasText: vector.visible }).waitFor();
    }
    await box.press('Control+Enter');
    const last = LIVE_VECTORS.at(-1)!;
    await page.locator('#entries article', { hasText: last.visible }).first().waitFor();
    for (const vector of LIVE_VECTORS.slice(0, 2)) await publishLive(page, vector);
    // Edit puts the stored source back into a textarea (from the entry's data-body), exactly.
    const breakout = XSS_CORPUS.find((vector) => vector.name === 'textarea breakout')!;
    const entry = page.locator(`#post-${await publishLive(page, breakout)}`);
    await entry.getByRole('button', { name: 'Edit' }).click();
    await expect(entry.locator('textarea').inputValue()).resolves.toBe(breakout.source);
    await expect(activeContentInPage(page)).resolves.toEqual([]);

    expect(fired).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });
});
