/// <reference lib="dom" />
import fc from 'fast-check';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { keyEventLabel, type LabelledEntry } from '../../src/site/key-event-label';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, publishPost, signIn } from '../support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

interface ShownKeyEvent {
  id: number;
  href: string;
  label: string;
}

describe('Key events in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  const contexts: BrowserContext[] = [];
  let cspViolations: string[];
  let scriptErrors: string[];

  const blogUrl = () => `${testApp.url}/blogs/${slug}`;
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

  async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    await recordCspViolations(context, cspViolations);
    const page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
    // Views counted meanwhile do not matter here.
    await page.route(`**/blogs/${slug}/views`, (route) => route.fulfill({ status: 204 }));
    return page;
  }

  async function openLive(page: Page): Promise<void> {
    await page.goto(blogUrl());
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
  }

  async function edit(postId: number, change: Record<string, unknown>): Promise<void> {
    await api()
      .patch(`/api/blogs/${slug}/posts/${postId}`)
      .auth(token, { type: 'bearer' })
      .send(change)
      .expect(200);
  }

  /** What the list shows, in order: each item's entry, link and label. */
  function shownKeyEvents(page: Page): Promise<ShownKeyEvent[]> {
    return page.locator('#key-events .key-event').evaluateAll((items) =>
      items.map((item) => ({
        id: Number(item.dataset.postId),
        href: item.querySelector('a')!.getAttribute('href')!,
        label: item.querySelector('.key-event-label')!.textContent,
      })),
    );
  }

  /** Waits until the list shows these entries (ids, in order), and answers what it shows. */
  async function waitForKeyEvents(page: Page, ids: number[]): Promise<ShownKeyEvent[]> {
    await page.waitForFunction(
      (expected) =>
        JSON.stringify(
          Array.from(document.querySelectorAll<HTMLElement>('#key-events .key-event'), (item) =>
            Number(item.dataset.postId),
          ),
        ) === JSON.stringify(expected),
      ids,
    );
    return shownKeyEvents(page);
  }

  it('should follow entries marked, edited, unmarked and deleted, as the server lists them', async () => {
    const first = await publishPost(testApp, token, slug, { body: 'Teams are out' });
    const second = await publishPost(testApp, token, slug, { body: 'Kick-off in Berlin' });
    const page = await newPage();
    await openLive(page);
    await expect(page.locator('#key-events').isHidden()).resolves.toBe(true);

    await edit(first.post.id, { keyEvent: true });
    await expect(waitForKeyEvents(page, [first.post.id])).resolves.toEqual([
      { id: first.post.id, href: `#post-${first.post.id}`, label: 'Teams are out' },
    ]);
    await page.locator('#key-events .key-events-count', { hasText: '(1)' }).waitFor();

    await edit(first.post.id, {
      body: '**Teams are out:** one change for *Spain*, none for England',
    });
    await page
      .locator('#key-events .key-event-label', {
        hasText: 'Teams are out: one change for Spain, none for England',
      })
      .waitFor();
    await edit(first.post.id, { title: 'Line-ups' });
    await page.locator('#key-events .key-event-label', { hasText: /^Line-ups$/ }).waitFor();
    await edit(first.post.id, { title: '' });
    await page
      .locator('#key-events .key-event-label', { hasText: /^Teams are out: one change/ })
      .waitFor();

    await edit(first.post.id, { keyEvent: false });
    await waitForKeyEvents(page, []);
    await page.locator('#key-events').waitFor({ state: 'hidden' });

    await edit(second.post.id, { keyEvent: true });
    await waitForKeyEvents(page, [second.post.id]);
    await api()
      .delete(`/api/blogs/${slug}/posts/${second.post.id}`)
      .auth(token, { type: 'bearer' })
      .expect(200);
    await waitForKeyEvents(page, []);

    await edit(first.post.id, { keyEvent: true });
    const goal = await publishPost(testApp, token, slug, {
      body: 'GOAL! Spain lead 1-0 after a header from a corner by Laporte',
      keyEvent: true,
    });
    const live = await waitForKeyEvents(page, [goal.post.id, first.post.id]);
    expect(live[0].label).toBe('GOAL! Spain lead 1-0 after a header from a corner…');
    await page.locator('#key-events .key-events-count', { hasText: '(2)' }).waitFor();

    // The list kept live is the list the server renders.
    const itemsMarkup = () =>
      page
        .locator('#key-events .key-event')
        .evaluateAll((items) => items.map((item) => item.outerHTML));
    const liveMarkup = await itemsMarkup();
    await openLive(page);
    await expect(shownKeyEvents(page)).resolves.toEqual(live);
    await expect(itemsMarkup()).resolves.toEqual(liveMarkup);
  });

  it("should label entries by the server's rule", async () => {
    const page = await newPage();
    await openLive(page);
    const markdown = fc.string({
      unit: fc.constantFrom(...'ab Z9_*~`#>-+.)[]()!<>:/\n\t 1é⚽'.split(''), 'https:'),
      maxLength: 160,
      size: 'max',
    });
    const entries: LabelledEntry[] = [
      ...fc.sample(
        fc.record({
          id: fc.integer({ min: 1, max: 1000 }),
          body: markdown,
          title: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
        }),
        { numRuns: 400, seed: 16 },
      ),
      {
        id: 1,
        body: '> - [Morata](https://example.com/m) **scores** ![a header](/media/3)',
        title: null,
      },
      { id: 2, body: `https://example.com/${'a'.repeat(100)}`, title: null },
      { id: 3, body: 'snake_case stays, -5 degrees in _Oslo_', title: null },
      { id: 4, body: '![](/media/3)', title: null },
      { id: 5, body: 'ignored', title: '  Spain score  ' },
    ];
    // As text: compiled for Node, an import() here would become a require().
    const inBrowser = await page.evaluate<string[]>(
      `import('/static/js/key-events.js').then(({ keyEventLabel }) =>
        ${JSON.stringify(entries)}.map((post) => keyEventLabel(post)))`,
    );
    expect(inBrowser).toEqual(entries.map(keyEventLabel));
  });

  it('should rebuild the list from the server after a reset of the stream', async () => {
    const kept = await publishPost(testApp, token, slug, { body: 'Kick-off', keyEvent: true });
    const unmarked = await publishPost(testApp, token, slug, {
      body: 'Yellow card',
      keyEvent: true,
    });
    const marked = await publishPost(testApp, token, slug, { body: 'Corner to Spain' });
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
    await page.goto(blogUrl());
    await waitForKeyEvents(page, [unmarked.post.id, kept.post.id]);

    await edit(unmarked.post.id, { keyEvent: false });
    await edit(marked.post.id, { keyEvent: true });
    const goal = await publishPost(testApp, token, slug, { body: 'GOAL!', keyEvent: true });
    releaseStream();
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
    await waitForKeyEvents(page, [goal.post.id, marked.post.id, kept.post.id]);
    expect(resets).toBe(1);

    await edit(kept.post.id, { keyEvent: false });
    await waitForKeyEvents(page, [goal.post.id, marked.post.id]);
  });

  /** A day with key events, some older than the entries the page shows. */
  async function publishDay(): Promise<Record<string, number>> {
    const ids: Record<string, number> = {};
    const publish = async (name: string, body: string, keyEvent = true) => {
      ids[name] = (await publishPost(testApp, token, slug, { body, keyEvent })).post.id;
    };
    await publish('kickOff', '**Kick-off!** The final is under way in Berlin.');
    for (let minute = 1; minute <= 20; minute++) {
      await publish(
        `minute${minute}`,
        `Minute ${minute}: ${'Spain keep the ball. '.repeat(6)}`,
        false,
      );
    }
    await publish('yellow', 'Yellow card for Rice after a late tackle on Pedri');
    for (let minute = 21; minute <= 26; minute++) {
      await publish(
        `minute${minute}`,
        `Minute ${minute}: ${'England press high. '.repeat(6)}`,
        false,
      );
    }
    await publish('goal', 'GOAL! Spain lead 1-0: Morata heads in a corner from Yamal');
    await publish('var', 'VAR check: the goal stands after a long look at a possible offside');
    return ids;
  }

  it('should fold the list into a button on a phone, open it, and jump to an entry', async () => {
    const ids = await publishDay();
    const page = await newPage({ width: 390, height: 844 });
    await openLive(page);
    const summary = page.locator('#key-events summary');
    await expect(summary.textContent()).resolves.toBe('Key events (4)');
    await expect(page.locator('#key-events .key-events-list').isVisible()).resolves.toBe(false);
    const box = (await summary.boundingBox())!;
    expect(box.y).toBeLessThan(844 / 2);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'key-events-phone-folded.png') });

    await summary.click();
    await page.locator('#key-events .key-events-list').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'key-events-phone-open.png') });
    await expect(
      page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth),
    ).resolves.toBe(false);

    // The yellow card is far down the page: its item brings it into view, without a reload.
    await page.locator(`#key-events [data-post-id="${ids.yellow}"] a`).click();
    await page.waitForFunction((id) => {
      const { top, bottom } = document.getElementById(`post-${id}`)!.getBoundingClientRect();
      return top >= 0 && bottom <= window.innerHeight;
    }, ids.yellow);
    await expect(page.evaluate(() => document.activeElement?.closest('article')?.id)).resolves.toBe(
      `post-${ids.yellow}`,
    );
    expect(page.url()).toBe(blogUrl());

    // Kick-off is older than the entries on the page: its item opens its permalink.
    await page.locator(`#key-events [data-post-id="${ids.kickOff}"] a`).click();
    await page.waitForURL(`${blogUrl()}/posts/${ids.kickOff}`);
  });

  it('should show the list open above the entries on a desktop', async () => {
    await publishDay();
    const page = await newPage({ width: 1280, height: 900 });
    await openLive(page);
    await page.locator('#key-events .key-events-list').waitFor({ state: 'visible' });
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'key-events-desktop.png') });
    // Folded by its summary, and folded again on a phone-sized window.
    await page.locator('#key-events summary').click();
    await page.locator('#key-events .key-events-list').waitFor({ state: 'hidden' });
    await page.locator('#key-events summary').click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#key-events .key-events-list').waitFor({ state: 'hidden' });
  });
});
