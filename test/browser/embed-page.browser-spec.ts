/// <reference lib="dom" />
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import request from 'supertest';
import { ARTIFACTS_DIR, launchBrowser, recordCspViolations } from '../support/browser';
import { createApiToken, createBlog, createUser, publishPost, signIn } from '../support/factories';
import { waitUntil } from '../support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from '../support/test-app';

/*
 * The one-line embed on another site: a news article served from a second origin
 * (http://localhost:<port>, another site than the app's http://127.0.0.1:<port>) with
 * `<script src=".../embed.js" data-blog async>` in its text.
 */

const LIVE_ENV = { SSE_RETRY_MS: '500' };

/** A news article with the blog embedded in it, as a newsroom's page would have it. */
function newsArticle(embedScriptUrl: string, slug: string): string {
  const paragraph = (text: string) => `<p>${text} ${'The crowd is in place. '.repeat(6)}</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Cup final: follow it live · The Daily Planet</title>
<style>
  body { margin: 0; font-family: Georgia, serif; color: #222; }
  .masthead { background: #0b3d91; color: #fff; padding: 12px 16px; font: bold 22px sans-serif; }
  article { max-width: 680px; margin: 0 auto; padding: 8px 16px 40px; }
  h1 { font-size: 30px; line-height: 1.15; }
</style></head>
<body>
  <div class="masthead">The Daily Planet</div>
  <article>
    <h1>Cup final: Rovers meet United at the national stadium</h1>
    ${paragraph('Follow every moment of the final with our reporters at the ground.')}
    <script src="${embedScriptUrl}" data-blog="${slug}" data-title="Cup final live" async></script>
    ${paragraph('Our match report follows after the final whistle.')}
    ${paragraph('Tickets for the replay, should there be one, go on sale on Monday.')}
  </article>
</body></html>`;
}

/** Serves the article on its own origin; the embed must work from there. */
async function startNewsSite(html: () => string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/article') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(html());
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://localhost:${(server.address() as AddressInfo).port}/article` };
}

describe('A blog embedded in another site, in a browser', () => {
  let browser: Browser;
  let dataDir: string;
  let testApp: TestApp;
  let token: string;
  let slug: string;
  let newsSite: { server: Server; url: string };
  let context: BrowserContext;
  let page: Page;
  let scriptErrors: string[];
  let cspViolations: string[];

  const embedFrameElement = () => page.locator('iframe.liveblog-embed');
  const frameHeight = () => embedFrameElement().evaluate((frame) => frame.clientHeight);

  /** Waits until the frame is as tall as its page: nothing hidden, no scrollbar inside it. */
  function frameFitsItsPage(frame: Frame, what: string): Promise<void> {
    const pageHeight = () =>
      frame.evaluate(() => Math.ceil(document.documentElement.getBoundingClientRect().height));
    return waitUntil(
      async () => (await frameHeight()) === (await pageHeight()),
      () => what,
    );
  }

  /** The embed's frame once its page has loaded and connected. */
  async function openArticle(): Promise<Frame> {
    await page.goto(newsSite.url);
    const handle = await embedFrameElement().elementHandle();
    const frame = (await handle.contentFrame())!;
    await frame.locator('#connection', { hasText: 'Live' }).waitFor();
    return frame;
  }

  async function startApp(env: Record<string, string> = {}): Promise<void> {
    testApp = await startTestApp(dataDir, { ...LIVE_ENV, ...env });
  }

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser.close();
  });

  beforeEach(async () => {
    dataDir = makeDataDir();
    await startApp();
    token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
    newsSite = await startNewsSite(() => newsArticle(`${testApp.url}/embed.js`, slug));
    scriptErrors = [];
    cspViolations = [];
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await recordCspViolations(context, cspViolations);
    page = await context.newPage();
    context.on('weberror', (error) => scriptErrors.push(error.error().message));
    context.on('console', (message) => {
      // A refused connection while the server is down is the browser's report, not a script error.
      if (message.type() === 'error' && !message.text().includes('ERR_CONNECTION_REFUSED')) {
        scriptErrors.push(message.text());
      }
    });
  });

  afterEach(async () => {
    await context.close();
    await testApp.close();
    await new Promise((resolve) => newsSite.server.close(resolve));
    removeDataDir(dataDir);
  });

  it('should show the blog in the article, follow live entries and grow with them', async () => {
    const { post: first } = await publishPost(testApp, token, slug, { body: 'Teams are out.' });
    const frame = await openArticle();
    await frame.locator(`#post-${first.id}`).waitFor();
    await expect(embedFrameElement().getAttribute('title')).resolves.toBe('Cup final live');
    // The frame is as tall as its page: no scrollbar inside it.
    await frameFitsItsPage(frame, 'the frame to take the height of its page');
    const heightBefore = await frameHeight();
    expect(await frame.evaluate(() => window.innerHeight)).toBe(heightBefore);

    const entries = [];
    for (const body of [
      'Kick-off!',
      'Goal for Rovers.\n\nA header from the corner.',
      'Half-time',
    ]) {
      entries.push((await publishPost(testApp, token, slug, { body })).post);
    }
    for (const entry of entries) await frame.locator(`#post-${entry.id}`).waitFor();

    await waitUntil(
      async () => (await frameHeight()) > heightBefore,
      () => 'the frame to grow',
    );
    await frameFitsItsPage(frame, 'the frame to fit its page again');
    await expect(frame.locator('#readers').textContent()).resolves.toBe('1 reading now');
    expect(scriptErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('should hold new entries while the reader reads further down the frame, not push the text away', async () => {
    for (let i = 1; i <= 6; i++) {
      await publishPost(testApp, token, slug, {
        body: `Update ${i}\n\n${'The ball goes out for a throw-in on the far side. '.repeat(12)}`,
      });
    }
    const frame = await openArticle();
    await frameFitsItsPage(frame, 'the frame to take the height of its page');

    // The reader scrolls the article down into the middle of the blog.
    await page.evaluate(() =>
      window.scrollTo(0, document.querySelector('iframe')!.offsetTop + 700),
    );
    // The frame learns where the reader's screen begins (its button goes there).
    await frame.waitForFunction(
      () => parseInt(document.getElementById('new-updates')!.style.top, 10) > 600,
    );
    const { post } = await publishPost(testApp, token, slug, { body: 'Goal!' });

    const button = frame.locator('#new-updates', { hasText: '1 new update' });
    await button.waitFor();
    await expect(frame.locator(`#post-${post.id}`).count()).resolves.toBe(0);
    // Where the reader is looking: on their screen, not at the frame's top, scrolled away.
    const { y } = (await button.boundingBox())!;
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).toBeLessThan(page.viewportSize()!.height);

    // Back at the top of the blog, the entry is there.
    await page.evaluate(() => window.scrollTo(0, 0));
    await frame.locator(`#post-${post.id}`).waitFor();
    await expect(button.isHidden()).resolves.toBe(true);
  });

  it('should take its height from its own frame only, not from messages of the embedding page', async () => {
    const frame = await openArticle();
    await frameFitsItsPage(frame, 'the frame to take the height of its page');
    const height = await frameHeight();

    // The embedding page (or any script on it) posts a resize as if it were the frame.
    await page.evaluate(() => window.postMessage({ type: 'liveblog:resize', height: 3000 }, '*'));
    // A message from the frame itself after it proves the fake one was handled and ignored.
    await publishPost(testApp, token, slug, { body: 'An entry that grows the frame' });
    await waitUntil(
      async () => (await frameHeight()) !== height,
      () => 'the frame to resize itself',
    );

    expect(await frameHeight()).toBeLessThan(3000);
    await frameFitsItsPage(frame, 'the frame to fit its page');
  });

  it('should keep its height when read oldest first inside the frame, the embedding origin carried along', async () => {
    await publishPost(testApp, token, slug, { body: 'First' });
    const frame = await openArticle();

    await frame.getByRole('link', { name: 'Oldest first' }).click();
    // Firefox names no embedding origin (location.ancestorOrigins): the fragment must follow.
    await frame.waitForURL(
      `${testApp.url}/blogs/${slug}/embed?order=oldest#origin=${encodeURIComponent(new URL(newsSite.url).origin)}`,
    );
    await frame.locator('#connection', { hasText: 'Live' }).waitFor();
    await frameFitsItsPage(frame, 'the frame to fit its oldest-first page');
    const height = await frameHeight();
    const { post } = await publishPost(testApp, token, slug, { body: 'Second, at the end' });
    await frame.locator(`#post-${post.id}`).waitFor();

    await waitUntil(
      async () => (await frameHeight()) > height,
      () => 'the frame to grow',
    );
    await frameFitsItsPage(frame, 'the frame to fit again');
    expect(page.url()).toBe(newsSite.url);
  });

  it('should open links in the top window, not inside the frame', async () => {
    const { post } = await publishPost(testApp, token, slug, { body: 'Read this one' });
    const frame = await openArticle();

    await frame.locator(`#post-${post.id} .entry-time`).click();

    await page.waitForURL(`${testApp.url}/blogs/${slug}/posts/${post.id}`);
    await expect(page.locator(`#post-${post.id}`).textContent()).resolves.toContain(
      'Read this one',
    );
  });

  it("should copy an entry's permalink from inside the frame, which embed.js allows to", async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: testApp.url,
    });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: new URL(newsSite.url).origin,
    });
    const { post } = await publishPost(testApp, token, slug, { body: 'Worth sharing' });
    const frame = await openArticle();

    await frame.locator(`#post-${post.id} .share-button`).click();

    await frame.locator(`#post-${post.id} .share-status`, { hasText: 'Link copied' }).waitFor();
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(
      `${testApp.url}/blogs/${slug}/posts/${post.id}`,
    );
  });

  it('should reconnect after a server restart and catch up exactly once', async () => {
    const frame = await openArticle();
    const port = new URL(testApp.url).port;
    await testApp.close();
    await frame.locator('#connection', { hasText: 'Reconnecting…' }).waitFor();

    await startApp({ PORT: port });
    const { post: missed } = await publishPost(testApp, token, slug, { body: 'While away' });
    await frame.locator('#connection', { hasText: 'Live' }).waitFor();
    await frame.locator(`#post-${missed.id}`).waitFor();
    const { post: next } = await publishPost(testApp, token, slug, { body: 'Back live' });
    await frame.locator(`#post-${next.id}`).waitFor();

    await expect(frame.locator('article.entry').count()).resolves.toBe(2);
    await expect(frame.locator(`[id="post-${missed.id}"]`).count()).resolves.toBe(1);
  });

  it("should count a reader's views without a third-party cookie", async () => {
    const { post } = await publishPost(testApp, token, slug, { body: 'Seen from the article' });
    const viewReports: unknown[] = [];
    page.on('request', (sent) => {
      if (!sent.url().endsWith('/views')) return;
      void sent
        .allHeaders()
        .then((headers) => viewReports.push({ ...sent.postDataJSON(), cookie: headers.cookie }));
    });
    const frame = await openArticle();
    await frame.locator(`#post-${post.id}`).waitFor();
    // Over plain HTTP the framed page's cookie is SameSite=Lax, which a frame of another site
    // does not send: the page's own reader id is what counts the view (once on screen for a
    // second, reported every 3 s).
    await waitUntil(
      async () =>
        (await request(testApp.url).get(`/api/blogs/${slug}/posts`)).body.posts[0].views === 1,
      () => 'the view to be counted',
      8000,
    );
    expect(viewReports).toEqual([
      { postIds: [post.id], readerId: expect.stringMatching(/^[\w-]{22}$/), cookie: undefined },
    ]);
    const { body } = await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200);
    expect(body.posts[0].views).toBe(1);
  });

  it('should not be framed by a site outside EMBED_ORIGINS', async () => {
    await testApp.close();
    await startApp({ EMBED_ORIGINS: 'https://news.example.com' });
    const { post } = await publishPost(testApp, token, slug, { body: 'Not for this site' });

    await page.goto(newsSite.url);
    const handle = await embedFrameElement().elementHandle();
    const frame = (await handle.contentFrame())!;
    await frame.waitForLoadState();

    // Chromium shows its error page instead of ours; the frame never sizes itself.
    await expect(frame.locator(`#post-${post.id}`).count()).resolves.toBe(0);
    expect(frame.url()).not.toContain(`/blogs/${slug}/embed`);
    expect(await frameHeight()).toBe(600);
    // The blog page itself is not framable by anyone else either.
    await expect(
      request(testApp.url)
        .get(`/blogs/${slug}/embed`)
        .then((response) => response.headers['content-security-policy']),
    ).resolves.toContain("frame-ancestors 'self' https://news.example.com");
  });

  it('should look right inside a news article on desktop and on a phone', async () => {
    await publishPost(testApp, token, slug, {
      title: 'Kick-off',
      body: 'We are under way at the national stadium.',
      keyEvent: true,
    });
    await publishPost(testApp, token, slug, {
      body: 'Early chance for United, but the header goes wide.',
    });
    const frame = await openArticle();
    await frameFitsItsPage(frame, 'the frame to fit its page');
    await page.screenshot({
      path: join(ARTIFACTS_DIR, 'embed-article-desktop.png'),
      fullPage: true,
    });

    await page.setViewportSize({ width: 375, height: 800 });
    await frameFitsItsPage(frame, 'the frame to fit its page at phone width');
    // Nothing of the blog is wider than the phone.
    expect(await frame.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
      await frame.evaluate(() => window.innerWidth),
    );
    await page.screenshot({ path: join(ARTIFACTS_DIR, 'embed-article-phone.png'), fullPage: true });
    expect(scriptErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });
});
