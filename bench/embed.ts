/// <reference lib="dom" />
/**
 * What the one-line embed costs a news article (issue: reach). Starts the built server on a
 * temp SQLite file with a blog of 20 entries, serves a news article with the embed snippet
 * from another origin (http://localhost:<port>, another site than http://127.0.0.1), and in
 * Chromium at phone width (375 × 800), with an empty cache each time, measures:
 *
 * 1. embed.js: its bytes, and gzipped (as a CDN or proxy in front would serve it).
 * 2. Bytes transferred before the first entry is painted (headers and bodies of every answer
 *    of the Liveblog server that ended before that paint), for the embed and for the full
 *    reader page opened directly.
 * 3. Time to the first entry painted: for the embed from the moment the article's browser
 *    starts fetching embed.js, for the reader page from its navigation start. "Painted" is
 *    the first contentful paint of the page that holds the entries (the entries are in its
 *    HTML; the first one is on the first screen), and its largest contentful paint.
 *
 *   npm run bench:embed    (= npm run build && ts-node bench/embed.ts)
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { Browser, Frame, Page } from 'playwright-core';
import { launchBrowser } from '../test/support/browser';
import { median, startBuiltServer, table } from './built-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RUNS = 7;
const PHONE = { width: 375, height: 800 };

interface Sample {
  bytes: number;
  firstPaintMs: number;
  largestPaintMs: number;
}

/** First and largest contentful paint of a frame, in epoch milliseconds. */
async function paintsOf(frame: Frame | Page): Promise<{ first: number; largest: number }> {
  return frame.evaluate(
    () =>
      new Promise<{ first: number; largest: number }>((resolve) => {
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        new PerformanceObserver((list) => {
          const lcp = list.getEntries().at(-1)!;
          resolve({
            first: performance.timeOrigin + fcp.startTime,
            largest: performance.timeOrigin + lcp.startTime,
          });
        }).observe({ type: 'largest-contentful-paint', buffered: true });
      }),
  );
}

/** Bytes (headers and bodies) of the answers from `origin` that ended before `until` (epoch ms). */
function bytesBefore(
  answers: Array<{ url: string; end: number; bytes: number }>,
  origin: string,
  until: number,
): number {
  return answers
    .filter((answer) => answer.url.startsWith(origin) && answer.end <= until)
    .reduce((sum, answer) => sum + answer.bytes, 0);
}

/** A fresh context (empty cache) that records every answer's size and end time. */
async function recordedPage(browser: Browser) {
  const context = await browser.newContext({ viewport: PHONE, deviceScaleFactor: 2 });
  const page = await context.newPage();
  const answers: Promise<{ url: string; end: number; bytes: number }>[] = [];
  page.on('requestfinished', (request) => {
    answers.push(
      request.sizes().then((sizes) => ({
        url: request.url(),
        end: request.timing().startTime + request.timing().responseEnd,
        bytes: sizes.responseHeadersSize + sizes.responseBodySize,
      })),
    );
  });
  return { context, page, answers: () => Promise.all(answers) };
}

async function main(): Promise<void> {
  if (!existsSync(CHROMIUM)) throw new Error(`No ${CHROMIUM}: apt-get install chromium`);
  const server = await startBuiltServer();
  const { base, call } = server;
  const article = createServer((_, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
<title>Cup final</title></head><body><h1>Cup final: follow it live</h1>
<p>Our reporters are at the ground.</p>
<script src="${base}/embed.js" data-blog="final" async></script>
</body></html>`);
  });
  await new Promise<void>((resolve) => article.listen(0, '127.0.0.1', resolve));
  const articleUrl = `http://localhost:${(article.address() as AddressInfo).port}/`;
  const browser = await launchBrowser();
  try {
    await call('POST', '/api/blogs', { title: 'Cup final', slug: 'final' });
    for (let i = 1; i <= 20; i++) {
      await call('POST', '/api/blogs/final/posts', {
        title: i % 5 === 0 ? `Update ${i}` : undefined,
        body: `Minute ${i * 4}: ${'The ball is played across the box and cleared. '.repeat(3)}`,
        keyEvent: i % 10 === 0,
      });
    }
    const script = Buffer.from(await (await fetch(`${base}/embed.js`)).arrayBuffer());
    console.log('\nembed.js:\n');
    table([
      ['bytes', 'gzipped'],
      [String(script.length), String(gzipSync(script, { level: 9 }).length)],
    ]);

    const embed: Sample[] = [];
    const page: Sample[] = [];
    for (let run = 0; run < RUNS; run++) {
      {
        const { context, page: articlePage, answers } = await recordedPage(browser);
        await articlePage.goto(articleUrl);
        const frame = (await (await articlePage.waitForSelector('iframe')).contentFrame())!;
        await frame.waitForSelector('article.entry');
        const paints = await paintsOf(frame);
        const scriptStart = await articlePage.evaluate(
          () =>
            performance.timeOrigin +
            performance.getEntriesByType('resource').find((e) => e.name.endsWith('/embed.js'))!
              .startTime,
        );
        embed.push({
          bytes: bytesBefore(await answers(), base, paints.first),
          firstPaintMs: paints.first - scriptStart,
          largestPaintMs: paints.largest - scriptStart,
        });
        await context.close();
      }
      {
        const { context, page: readerPage, answers } = await recordedPage(browser);
        await readerPage.goto(`${base}/blogs/final`);
        await readerPage.waitForSelector('article.entry');
        const paints = await paintsOf(readerPage);
        const navigationStart = await readerPage.evaluate(() => performance.timeOrigin);
        page.push({
          bytes: bytesBefore(await answers(), base, paints.first),
          firstPaintMs: paints.first - navigationStart,
          largestPaintMs: paints.largest - navigationStart,
        });
        await context.close();
      }
    }
    const row = (name: string, samples: Sample[]) => [
      name,
      String(median(samples.map((s) => s.bytes))),
      median(samples.map((s) => s.firstPaintMs)).toFixed(0),
      median(samples.map((s) => s.largestPaintMs)).toFixed(0),
    ];
    console.log(`A blog of 20 entries on a phone (375 px), empty cache, median of ${RUNS}:\n`);
    table([
      ['', 'bytes before first entry painted', 'first entry painted (ms)', 'largest paint (ms)'],
      row('embed (from embed.js fetch start)', embed),
      row('reader page (from navigation)', page),
    ]);
  } finally {
    await browser.close();
    article.close();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
