/// <reference lib="dom" />
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page, Request } from 'playwright-core';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, publishPost, signIn } from '../support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

const VIDEO_ID = 'dQw4w9WgXcQ';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);

describe('Embeds in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  let context: BrowserContext;
  let page: Page;
  /** Every request that left the machine, in order: aborted, so the test needs no internet. */
  let thirdPartyRequests: string[];
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
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
    thirdPartyRequests = [];
    cspViolations = [];
    scriptErrors = [];
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await recordCspViolations(context, cspViolations);
    await context.route('**', (route) => {
      const url = new URL(route.request().url());
      if (LOOPBACK_HOSTS.has(url.hostname)) return route.continue();
      thirdPartyRequests.push(url.href);
      return route.abort('blockedbyclient');
    });
    page = await context.newPage();
    page.on('pageerror', (error) => scriptErrors.push(error.message));
  });

  afterEach(async () => {
    await context.close();
    await testApp.close();
    removeDataDir(dataDir);
    expect(cspViolations).toEqual([]);
    expect(scriptErrors).toEqual([]);
  });

  async function openReaderPage(): Promise<void> {
    await page.goto(`${testApp.url}/blogs/${slug}`);
    await page.locator('#connection', { hasText: 'Live' }).waitFor();
  }

  /** The request the page makes to `host` (aborted by the route above). */
  function requestTo(host: string): Promise<Request> {
    return page.waitForRequest((request) => new URL(request.url()).hostname === host);
  }

  /** The video placeholder of an entry: a link named after the provider, in its figure. */
  function videoOf(postId: number, provider: string): { figure: Locator; placeholder: Locator } {
    const figure = page.locator(`#post-${postId} figure.embed-video`);
    const placeholder = figure.getByRole('link', { name: new RegExp(`^Play ${provider} video`) });
    return { figure, placeholder };
  }

  /**
   * Plays an entry's video (a click, or Enter when `key`), and checks that the player took
   * the placeholder's 16:9 box, and the focus with it.
   */
  async function play(
    { figure, placeholder }: ReturnType<typeof videoOf>,
    playerHost: string,
    key?: 'Enter',
  ): Promise<URL> {
    const boxBefore = await figure.boundingBox();
    const requested = requestTo(playerHost);
    if (key) {
      await placeholder.focus();
      await page.keyboard.press(key);
    } else {
      await placeholder.click();
    }
    const player = figure.locator('iframe');
    await player.waitFor();
    const src = new URL((await player.getAttribute('src'))!);
    expect(new URL((await requested).url()).href).toBe(src.href);
    expect(src.searchParams.get('autoplay')).toBe('1');
    await expect(player.evaluate((iframe) => iframe === document.activeElement)).resolves.toBe(
      true,
    );
    const box = (await player.boundingBox())!;
    expect(box).toEqual(boxBefore);
    expect(box.width / box.height).toBeCloseTo(16 / 9, 2);
    return src;
  }

  it('should load nothing from YouTube until the reader clicks, then play it from youtube-nocookie.com', async () => {
    const { post } = await publishPost(testApp, token, slug, {
      body: `Kick-off! The anthem:\n\nhttps://www.youtube.com/watch?v=${VIDEO_ID}`,
    });
    await publishPost(testApp, token, slug, {
      body: 'The keeper, after the save:\n\nhttps://bsky.app/profile/keeper.bsky.social/post/3kq2ab7xyz',
    });
    await openReaderPage();

    const video = videoOf(post.id, 'YouTube');
    await expect(video.placeholder.getAttribute('href')).resolves.toBe(
      `https://www.youtube.com/watch?v=${VIDEO_ID}`,
    );
    await expect(
      page.getByRole('link', { name: 'Bluesky @keeper.bsky.social' }).count(),
    ).resolves.toBe(1);
    await expect(page.locator('iframe').count()).resolves.toBe(0);
    expect(thirdPartyRequests).toEqual([]);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'embeds-reader-desktop.png') });
    await page.setViewportSize({ width: 390, height: 844 });
    // Nothing wider than the phone's screen.
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBe(390);
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'embeds-reader-phone.png'), fullPage: true });

    const src = await play(video, 'www.youtube-nocookie.com');
    expect(`${src.origin}${src.pathname}`).toBe(
      `https://www.youtube-nocookie.com/embed/${VIDEO_ID}`,
    );
    await expect(page.locator('iframe').getAttribute('referrerpolicy')).resolves.toBe(
      'strict-origin-when-cross-origin',
    );
    expect(thirdPartyRequests).toEqual([src.href]);
  });

  it('should play a video of an entry that arrived live only after a click too', async () => {
    await openReaderPage();
    const { post } = await publishPost(testApp, token, slug, {
      body: `https://youtu.be/${VIDEO_ID}`,
    });
    const video = videoOf(post.id, 'YouTube');
    await video.placeholder.waitFor();
    await expect(page.locator('iframe').count()).resolves.toBe(0);
    expect(thirdPartyRequests).toEqual([]);

    const src = await play(video, 'www.youtube-nocookie.com');
    expect(`${src.origin}${src.pathname}`).toBe(
      `https://www.youtube-nocookie.com/embed/${VIDEO_ID}`,
    );
    expect(thirdPartyRequests).toEqual([src.href]);
  });

  it('should play a Vimeo video on the permalink page from the keyboard, without tracking', async () => {
    const { post } = await publishPost(testApp, token, slug, {
      body: 'https://vimeo.com/76979871',
    });
    await page.goto(`${testApp.url}/blogs/${slug}/posts/${post.id}`);
    const video = videoOf(post.id, 'Vimeo');
    await expect(video.placeholder.getAttribute('href')).resolves.toBe(
      'https://vimeo.com/76979871',
    );
    expect(thirdPartyRequests).toEqual([]);

    const src = await play(video, 'player.vimeo.com', 'Enter');
    expect(`${src.origin}${src.pathname}`).toBe('https://player.vimeo.com/video/76979871');
    expect(src.searchParams.get('dnt')).toBe('1');
    expect(thirdPartyRequests).toEqual([src.href]);
  });
});
