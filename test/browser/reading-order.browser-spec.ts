/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import request from 'supertest';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, publishPost, signIn } from '../support/factories';
import { waitUntil } from '../support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

/** Long enough that a few entries fill a screen. */
const FILLER = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6);

describe('Reading order and sharing in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  const contexts: BrowserContext[] = [];
  let cspViolations: string[];
  let scriptErrors: string[];

  const blogUrl = () => `${testApp.url}/blogs/${slug}`;
  const oldestUrl = () => `${blogUrl()}?order=oldest`;
  const permalink = (id: number) => `${testApp.url}/blogs/${slug}/posts/${id}`;
  const api = () => request(testApp.url);

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, { SSE_RETRY_MS: '500' });
    token = await createApiToken(
      await signIn(testApp, await createUser(testApp, { name: 'Maya Field' })),
    );
    slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
    cspViolations = [];
    scriptErrors = [];
  });

  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    await testApp.close();
    removeDataDir(dataDir);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  async function newPage(options: BrowserContextOptions = {}): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      ...options,
    });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    // Views counted meanwhile do not matter here.
    await page.route(`**/blogs/${slug}/views`, (route) => route.fulfill({ status: 204 }));
    return page;
  }

  async function openLive(page: Page, url = oldestUrl()): Promise<void> {
    await page.goto(url);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
  }

  async function publishEntries(count: number, body = (i: number) => `Entry ${i}`) {
    const ids: number[] = [];
    for (let i = 1; i <= count; i++) {
      ids.push((await publishPost(testApp, token, slug, { body: body(i) })).post.id);
    }
    return ids;
  }

  /** Edits an entry through the API; its event's id. */
  async function edit(postId: number, change: Record<string, unknown>): Promise<number> {
    const response = await api()
      .patch(`/api/blogs/${slug}/posts/${postId}`)
      .auth(token, { type: 'bearer' })
      .send(change)
      .expect(200);
    return response.body.eventId as number;
  }

  /**
   * Waits until the page has applied every event so far: an edit of an entry it shows, made
   * now, shows. The stream delivers events in order, so those before it were applied too.
   */
  async function settle(page: Page, shownId: number): Promise<void> {
    const mark = `Settled ${Date.now()}`;
    await edit(shownId, { body: mark });
    await page.locator(`#post-${shownId} .entry-body`, { hasText: mark }).waitFor();
  }

  function shownIds(page: Page, list = '#entries'): Promise<number[]> {
    return page
      .locator(`${list} > article`)
      .evaluateAll((items) => items.map((item) => Number(item.id.slice('post-'.length))));
  }

  describe('oldest first', () => {
    it('should load newer entries in place, and take live ones at the end only once it has them all', async () => {
      const ids = await publishEntries(25);
      const page = await newPage();
      await openLive(page);
      await expect(shownIds(page)).resolves.toEqual(ids.slice(0, 20));

      // Newer pages are still to load: an entry published now waits for them.
      const early = await publishPost(testApp, token, slug, { body: 'Published before paging' });
      await settle(page, ids[0]);
      await expect(page.locator(`#post-${early.post.id}`).count()).resolves.toBe(0);

      await page.locator('#load-newer').click();
      await page.locator(`#post-${early.post.id}`).waitFor();
      await expect(page.locator('#load-newer').count()).resolves.toBe(0);
      await expect(shownIds(page)).resolves.toEqual([...ids, early.post.id]);

      // Now the page has every entry: a new one joins at the end, at once for a reader there.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const late = await publishPost(testApp, token, slug, { body: 'Published after paging' });
      await page.locator(`#entries > article:last-child#post-${late.post.id}`).waitFor();
      await expect(page.locator('#new-updates').isHidden()).resolves.toBe(true);
      await expect(shownIds(page)).resolves.toEqual([...ids, early.post.id, late.post.id]);
    });

    it('should page in steps of 20, keeping its link on to the next page', async () => {
      const ids = await publishEntries(45);
      const page = await newPage();
      await openLive(page);
      await page.locator('#load-newer').click();
      await page.locator(`#post-${ids[39]}`).waitFor();
      await expect(page.locator('#load-newer').getAttribute('href')).resolves.toBe(
        `${oldestUrl()}&after=${ids[39]}`,
      );
      await page.locator('#load-newer').click();
      await page.locator(`#post-${ids[44]}`).waitFor();
      await expect(page.locator('#load-newer').count()).resolves.toBe(0);
      await expect(shownIds(page)).resolves.toEqual(ids);
    });

    it('should apply the events that come while a newer page loads, each once', async () => {
      const ids = await publishEntries(22);
      const page = await newPage();
      await openLive(page);
      let published: { post: Record<string, any> } | undefined;
      // The ids of the stream's events as the browser receives them (Chromium's DevTools).
      const received: number[] = [];
      const devTools = await page.context().newCDPSession(page);
      devTools.on('Network.eventSourceMessageReceived', ({ eventId }) => {
        received.push(Number(eventId));
      });
      await devTools.send('Network.enable');
      // The page is read by the server before the entry is published, and arrives after the
      // browser has received both events.
      await page.route('**/api/blogs/*/posts?order=oldest&after=*', async (route) => {
        const response = await route.fetch();
        published = await publishPost(testApp, token, slug, { body: 'While loading' });
        const editEventId = await edit(ids[21], { body: 'Changed while loading' });
        await waitUntil(
          () => received.includes(editEventId),
          () => `the browser to receive event ${editEventId}, got ${received.join(', ')}`,
        );
        await route.fulfill({ response });
      });
      await page.locator('#load-newer').click();
      await page.locator('#load-newer').waitFor({ state: 'detached' });
      // The page has every entry now: the new one is there for a reader at the end.
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.locator(`#post-${published!.post.id}`).waitFor();
      await page.locator(`#post-${ids[21]} .entry-body`, { hasText: 'Changed while' }).waitFor();
      await expect(shownIds(page)).resolves.toEqual([...ids, published!.post.id]);
    });

    it('should hold new entries behind a button pointing down while the end is off screen', async () => {
      const ids = await publishEntries(10, (i) => `Entry ${i}\n\n${FILLER}`);
      const page = await newPage();
      await openLive(page);
      await page.evaluate(() => window.scrollTo(0, 0));
      const held = await publishPost(testApp, token, slug, { body: 'Breaking, down below' });
      const button = page.locator('#new-updates.is-below', { hasText: '1 new update' });
      await button.waitFor();
      await expect(button.innerText()).resolves.toBe('↓ 1 new update');
      await expect(page.locator(`#post-${held.post.id}`).count()).resolves.toBe(0);
      const box = (await button.boundingBox())!;
      expect(box.y).toBeGreaterThan(900 / 2);
      await page.screenshot({ path: join(ARTIFACTS_DIR, 'reading-order-new-below.png') });

      await button.click();
      const newest = page.locator(`#entries > article:last-child#post-${held.post.id}`);
      await newest.waitFor();
      await expect(page.locator('#new-updates').isHidden()).resolves.toBe(true);
      await waitUntilInView(page, `#post-${held.post.id}`);

      // Scrolled up and back down: what came meanwhile shows as the end comes into view.
      await page.evaluate(() => window.scrollTo(0, 0));
      const second = await publishPost(testApp, token, slug, { body: 'Another one' });
      await page.locator('#new-updates', { hasText: '1 new update' }).waitFor();
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.locator(`#entries > article:last-child#post-${second.post.id}`).waitFor();
      await expect(page.locator('#new-updates').isHidden()).resolves.toBe(true);
      await expect(shownIds(page)).resolves.toEqual([...ids, held.post.id, second.post.id]);
    });

    it('should edit, pin, unpin and delete entries as the newest first order does', async () => {
      const ids = await publishEntries(25);
      const pinnedLate = await publishPost(testApp, token, slug, { body: 'Pinned', pinned: true });
      const page = await newPage();
      await openLive(page);
      await expect(shownIds(page, '#pinned-entries')).resolves.toEqual([pinnedLate.post.id]);

      await edit(ids[2], { pinned: true });
      await page.locator(`#pinned-entries #post-${ids[2]}`).waitFor();
      await expect(shownIds(page, '#pinned-entries')).resolves.toEqual([
        ids[2],
        pinnedLate.post.id,
      ]);
      await edit(ids[2], { pinned: false });
      await page.locator(`#entries #post-${ids[2]}`).waitFor();
      await expect(shownIds(page)).resolves.toEqual(ids.slice(0, 20));

      // Unpinned, an entry past the pages still to load leaves until paging brings it.
      await edit(pinnedLate.post.id, { pinned: false });
      await page.locator(`#post-${pinnedLate.post.id}`).waitFor({ state: 'detached' });
      await api()
        .delete(`/api/blogs/${slug}/posts/${ids[4]}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      await page.locator(`#post-${ids[4]}`).waitFor({ state: 'detached' });

      await page.locator('#load-newer').click();
      await page.locator(`#post-${pinnedLate.post.id}`).waitFor();
      const remaining = ids.filter((id) => id !== ids[4]);
      await expect(shownIds(page)).resolves.toEqual([...remaining, pinnedLate.post.id]);
      await expect(shownIds(page, '#pinned-entries')).resolves.toEqual([]);
    });

    it('should reload its view oldest first after a reset of the stream', async () => {
      const ids = await publishEntries(25);
      const page = await newPage();
      let releaseStream!: () => void;
      const streamReleased = new Promise<void>((resolve) => (releaseStream = resolve));
      let resets = 0;
      // The first connection waits while entries change, then asks from a cursor the server
      // never gave: it answers with a reset, and no replay brings the changes.
      await page.route('**/events?*', async (route) => {
        if (resets > 0) return route.continue();
        resets += 1;
        await streamReleased;
        const url = new URL(route.request().url());
        url.searchParams.set('after', '999999999');
        await route.continue({ url: url.toString() });
      });
      await page.goto(oldestUrl());
      await expect(shownIds(page)).resolves.toEqual(ids.slice(0, 20));

      await api()
        .delete(`/api/blogs/${slug}/posts/${ids[0]}`)
        .auth(token, { type: 'bearer' })
        .expect(200);
      await edit(ids[1], { body: 'Edited during the outage', pinned: true });
      const missed = await publishPost(testApp, token, slug, { body: 'Missed by the stream' });
      releaseStream();
      await page.locator('#connection', { hasText: 'Live' }).waitFor();
      await page.locator(`#post-${missed.post.id}`).waitFor();
      expect(resets).toBe(1);

      // All 25 fit in one request: the page now has every entry, and takes new ones.
      await expect(page.locator('#load-newer').count()).resolves.toBe(0);
      await expect(shownIds(page, '#pinned-entries')).resolves.toEqual([ids[1]]);
      await expect(shownIds(page)).resolves.toEqual([...ids.slice(2), missed.post.id]);
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      const after = await publishPost(testApp, token, slug, { body: 'After the reset' });
      await page.locator(`#entries > article:last-child#post-${after.post.id}`).waitFor();
      await expect(page.locator(`[id="post-${missed.post.id}"]`).count()).resolves.toBe(1);
    });

    it('should page with links and switch orders without JavaScript', async () => {
      const ids = await publishEntries(25);
      const page = await newPage({ javaScriptEnabled: false });
      await page.goto(blogUrl());
      await expect(shownIds(page)).resolves.toEqual(ids.slice(5).reverse());
      await page.getByRole('link', { name: 'Oldest first' }).click();
      await page.waitForURL(oldestUrl());
      await expect(
        page.getByRole('link', { name: 'Oldest first' }).getAttribute('aria-current'),
      ).resolves.toBe('true');
      await expect(shownIds(page)).resolves.toEqual(ids.slice(0, 20));
      // No control that would do nothing: the Share buttons are hidden.
      await expect(page.locator('.share-button').first().isHidden()).resolves.toBe(true);

      await page.getByRole('link', { name: 'Load newer entries' }).click();
      await page.waitForURL(`${oldestUrl()}&after=${ids[19]}`);
      await expect(shownIds(page)).resolves.toEqual(ids.slice(20));
      await expect(page.locator('#load-newer').count()).resolves.toBe(0);
      await page.getByRole('link', { name: 'Back to the first entries' }).click();
      await page.waitForURL(oldestUrl());
      await page.getByRole('link', { name: 'Newest first' }).click();
      await page.waitForURL(blogUrl());
      await expect(shownIds(page)).resolves.toEqual(ids.slice(5).reverse());
    });
  });

  describe('Share', () => {
    it("should hand the entry's absolute permalink to the browser's share sheet", async () => {
      const rendered = await publishPost(testApp, token, slug, {
        title: 'Okafor scores',
        body: 'A header from a corner',
      });
      const page = await newPage();
      await page.addInitScript(() => {
        const shared: ShareData[] = [];
        Object.assign(window, { shared });
        Object.defineProperty(navigator, 'share', {
          configurable: true,
          value: (data: ShareData) => {
            shared.push(data);
            return Promise.resolve();
          },
        });
      });
      await openLive(page);
      const live = await publishPost(testApp, token, slug, { body: 'Half time: **1-0**' });
      await page.locator(`#post-${live.post.id}`).waitFor();

      await page.getByRole('button', { name: 'Share entry: Okafor scores' }).click();
      await page.getByRole('button', { name: 'Share entry: Half time: 1-0' }).click();
      const shared = () => page.evaluate(() => (window as unknown as { shared: unknown[] }).shared);
      await expect(shared()).resolves.toEqual([
        { title: 'Cup final', text: 'Okafor scores', url: permalink(rendered.post.id) },
        { title: 'Cup final', text: 'Half time: 1-0', url: permalink(live.post.id) },
      ]);

      // The permalink page has the button too.
      await page.goto(permalink(rendered.post.id));
      await page.getByRole('button', { name: 'Share entry: Okafor scores' }).click();
      await expect(shared()).resolves.toEqual([
        { title: 'Cup final', text: 'Okafor scores', url: permalink(rendered.post.id) },
      ]);
    });

    it('should copy the permalink where there is no share sheet, and say so for a while', async () => {
      const { post } = await publishPost(testApp, token, slug, { body: 'Kick-off in Berlin' });
      const page = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });
      await page.addInitScript(() => {
        delete (Navigator.prototype as Partial<Navigator>).share;
      });
      await openLive(page);
      const entry = page.locator(`#post-${post.id}`);
      const share = entry.getByRole('button', { name: 'Share entry: Kick-off in Berlin' });
      await share.focus();
      await page.keyboard.press('Enter');
      const status = entry.getByRole('status');
      await status.filter({ hasText: 'Link copied' }).waitFor();
      await expect(status.innerText()).resolves.toBe('Link copied');
      await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(
        permalink(post.id),
      );
      // Focused from the keyboard, the button shows it.
      await expect(share.evaluate((button) => getComputedStyle(button).outlineStyle)).resolves.toBe(
        'solid',
      );
      // And it goes after a few seconds.
      await status.filter({ hasText: 'Link copied' }).waitFor({ state: 'detached', timeout: 8000 });
      await expect(status.innerText()).resolves.toBe('');
    });

    it('should show the link selected in a text field when the clipboard fails too', async () => {
      const { post } = await publishPost(testApp, token, slug, { body: 'Kick-off in Berlin' });
      const page = await newPage();
      await page.addInitScript(() => {
        delete (Navigator.prototype as Partial<Navigator>).share;
        Object.defineProperty(navigator, 'clipboard', { configurable: true, value: undefined });
      });
      await openLive(page);
      await page.locator(`#post-${post.id} .share-button`).click();
      const field = page.getByRole('textbox', { name: 'Link to this entry' });
      await expect(field.inputValue()).resolves.toBe(permalink(post.id));
      await page
        .locator(`#post-${post.id}`)
        .screenshot({ path: join(ARTIFACTS_DIR, 'share-link-field.png') });
      await expect(
        field.evaluate(
          (input: HTMLInputElement) =>
            document.activeElement === input &&
            input.selectionStart === 0 &&
            input.selectionEnd === input.value.length,
        ),
      ).resolves.toBe(true);
    });

    it('should look right oldest first and with a share confirmation, on a desktop and a phone', async () => {
      await publishPost(testApp, token, slug, {
        body: '**Welcome** to the final: follow every minute here.',
        pinned: true,
      });
      await publishPost(testApp, token, slug, {
        body: 'Lineups are in. Spain unchanged; England bring in Guéhi for the injured Maguire.',
      });
      const goal = await publishPost(testApp, token, slug, {
        title: 'GOAL! Spain lead 1-0',
        body: 'A header from a corner, unmarked at the far post.',
        keyEvent: true,
      });
      await publishEntries(21, (i) => `Minute ${i * 3}: ${FILLER.slice(0, 60 + i * 7)}`);
      for (const [name, viewport] of [
        ['desktop', { width: 1280, height: 900 }],
        ['phone', { width: 375, height: 740 }],
      ] as const) {
        const page = await newPage({
          viewport,
          permissions: ['clipboard-read', 'clipboard-write'],
        });
        await page.addInitScript(() => {
          delete (Navigator.prototype as Partial<Navigator>).share;
        });
        await openLive(page);
        await page.screenshot({
          path: join(ARTIFACTS_DIR, `reading-order-${name}.png`),
          fullPage: true,
        });
        // What a reader sees first: the order links above the oldest entries.
        await page.screenshot({ path: join(ARTIFACTS_DIR, `reading-order-${name}-top.png`) });
        const entry = page.locator(`#post-${goal.post.id}`);
        await entry.locator('.share-button').click();
        await entry.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
        await entry.screenshot({
          path: join(ARTIFACTS_DIR, `share-copied-${name}.png`),
          animations: 'disabled',
        });
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth > window.innerWidth,
        );
        expect(overflow).toBe(false);
        // The button on one line, inside its entry.
        const button = (await entry.locator('.share-button').boundingBox())!;
        const article = (await entry.boundingBox())!;
        expect(button.height).toBeLessThan(40);
        expect(button.x + button.width).toBeLessThanOrEqual(article.x + article.width);
      }
    });
  });
});

/** Waits until the element is within the viewport (a smooth scroll takes a moment). */
async function waitUntilInView(page: Page, selector: string): Promise<void> {
  await page.waitForFunction((target) => {
    const box = document.querySelector(target)!.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= window.innerHeight + 1;
  }, selector);
}
