/// <reference lib="dom" />
/**
 * What photos cost (issue: newsroom content). Starts the built server (as `npm start` would) on
 * a temp SQLite file and measures, loopback only and bounded in count:
 *
 * 1. Upload to visible: a 5 MB, 12-megapixel phone photo uploaded, the entry with it
 *    published, a reader's stream delivering the entry, and the reader fetching the file a
 *    phone would pick (960 px WebP). Five times; each phase's median.
 * 2. The server's memory while resizing: resident memory before, and its peak (VmHWM) after
 *    one upload and after four uploaded at once (processed one at a time).
 * 3. A reader page of 10 entries with 5 photos each (50 photos) on a phone, in Chromium, scrolled
 *    to the end so every photo loads: bytes of photos transferred, against the originals.
 *
 *   npm run bench:photos    (= npm run build && ts-node bench/photos.ts)
 */
import { existsSync, readFileSync } from 'node:fs';
import { EventSource } from 'eventsource';
import sharp from 'sharp';
import { launchBrowser } from '../test/support/browser';
import { median, startBuiltServer, table } from './built-server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const MIB = 2 ** 20;

/** A camera-like photo: noise over a gradient compresses about as badly as a real scene. */
async function photo(width: number, height: number, sigma: number, seed: number): Promise<Buffer> {
  const noise = await sharp({
    create: {
      width,
      height,
      channels: 3,
      background: { r: (seed * 37) % 255, g: 90, b: 140 },
      noise: { type: 'gaussian', mean: 120 + (seed % 40), sigma },
    },
  })
    .jpeg({ quality: 90 })
    .toBuffer();
  return sharp(noise).jpeg({ quality: 90 }).withMetadata({ orientation: 1 }).toBuffer();
}

function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: (kib('VmRSS') * 1024) / MIB, peak: (kib('VmHWM') * 1024) / MIB };
}

async function main(): Promise<void> {
  const server = await startBuiltServer();
  const { base, auth, call } = server;
  try {
    const upload = async (slug: string, bytes: Buffer) => {
      const form = new FormData();
      form.append('alt', 'A photo from the bench');
      form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg');
      const answer = await fetch(`${base}/api/blogs/${slug}/media`, {
        method: 'POST',
        headers: auth,
        body: form,
      });
      if (answer.status !== 201) throw new Error(`upload: ${answer.status} ${await answer.text()}`);
      return ((await answer.json()) as { media: { id: number; url: string } }).media;
    };

    // 1 and 2: upload to visible, and memory.
    const { blog } = await call<{ blog: { slug: string } }>('POST', '/api/blogs', {
      title: 'Photos',
      slug: 'photos',
    });
    const phone = await photo(4032, 3024, 18, 1);
    console.log(`phone photo: 4032 x 3024, ${(phone.length / MIB).toFixed(1)} MiB`);
    const before = memoryOf(server.pid);
    const reader = new EventSource(`${base}/blogs/${blog.slug}/events`);
    const posts: { id: number; html: string }[] = [];
    const arrivals: (() => void)[] = [];
    reader.addEventListener('post', (event) => {
      posts.push((JSON.parse(String(event.data)) as { post: { id: number; html: string } }).post);
      arrivals.splice(0).forEach((arrived) => arrived());
    });
    await new Promise((resolve) => reader.addEventListener('open', resolve));
    const phases: Record<string, number[]> = {
      upload: [],
      publish: [],
      stream: [],
      file: [],
      total: [],
    };
    for (let run = 0; run < 5; run++) {
      const started = performance.now();
      const media = await upload(blog.slug, phone);
      const uploaded = performance.now();
      const arrived = new Promise<void>((resolve) => arrivals.push(resolve));
      const { post } = await call<{ post: { id: number } }>(
        'POST',
        `/api/blogs/${blog.slug}/posts`,
        {
          body: `Run ${run}\n\n![The winning goal](/media/${media.id})`,
        },
      );
      const published = performance.now();
      await arrived;
      const streamed = performance.now();
      const seen = posts.find((candidate) => candidate.id === post.id)!;
      const file = /(\/media\/\S+\/960\.webp) 960w/.exec(seen.html)![1];
      const bytes = await (await fetch(`${base}${file}`)).arrayBuffer();
      if (bytes.byteLength === 0) throw new Error('empty file');
      const visible = performance.now();
      phases.upload.push(uploaded - started);
      phases.publish.push(published - uploaded);
      phases.stream.push(streamed - published);
      phases.file.push(visible - streamed);
      phases.total.push(visible - started);
    }
    reader.close();
    const afterOne = memoryOf(server.pid);
    await Promise.all([0, 1, 2, 3].map(() => upload(blog.slug, phone)));
    const afterFour = memoryOf(server.pid);
    const decoded = (4032 * 3024 * 3) / MIB;

    console.log('\nUpload to visible, 5 MB phone photo (median of 5, ms):\n');
    table([
      ['upload + resize', 'publish', 'stream to reader', 'reader fetches 960w', 'total'],
      [phases.upload, phases.publish, phases.stream, phases.file, phases.total].map((values) =>
        median(values).toFixed(0),
      ),
    ]);
    console.log('Server memory (MiB):\n');
    table([
      ['RSS before', 'peak after 5 uploads in turn', 'peak after 4 at once', 'one decoded photo'],
      [before.rss, afterOne.peak, afterFour.peak, decoded].map((value) => value.toFixed(0)),
    ]);

    // 3: a phone reading a page of 50 photos.
    if (!existsSync(CHROMIUM)) {
      console.log(`(page bytes skipped: no ${CHROMIUM}; apt-get install chromium)`);
      return;
    }
    const { blog: page } = await call<{ blog: { slug: string } }>('POST', '/api/blogs', {
      title: 'Fifty photos',
      slug: 'fifty',
    });
    let originals = 0;
    for (let entry = 0; entry < 10; entry++) {
      const lines: string[] = [`Entry ${entry}`];
      for (let i = 0; i < 5; i++) {
        const bytes = await photo(3264, 2448, 18, entry * 5 + i + 2);
        originals += bytes.length;
        lines.push(`![Photo ${entry * 5 + i}](/media/${(await upload(page.slug, bytes)).id})`);
      }
      await call('POST', `/api/blogs/${page.slug}/posts`, { body: lines.join('\n\n') });
    }
    // The tests' Chromium, with the flags this machine needs.
    const browser = await launchBrowser();
    const rows = [
      ['screen', 'files chosen', 'photos loaded', 'MiB transferred', 'originals MiB', 'share'],
    ];
    try {
      for (const deviceScaleFactor of [2, 3]) {
        const context = await browser.newContext({
          viewport: { width: 390, height: 844 },
          deviceScaleFactor,
        });
        const browserPage = await context.newPage();
        const photoSizes: Promise<number>[] = [];
        browserPage.on('response', (response) => {
          if (response.url().includes('/media/')) {
            photoSizes.push(response.body().then((body) => body.length));
          }
        });
        await browserPage.goto(`${base}/blogs/${page.slug}`);
        // Scroll to the end a screen at a time, so that every lazy photo is asked for.
        for (;;) {
          const atEnd = await browserPage.evaluate(() => {
            window.scrollBy(0, window.innerHeight);
            return window.scrollY + window.innerHeight >= document.body.scrollHeight - 2;
          });
          await browserPage.waitForLoadState('networkidle');
          if (atEnd) break;
        }
        await browserPage.waitForFunction(() =>
          Array.from(document.querySelectorAll('picture img')).every(
            (img) => (img as HTMLImageElement).complete,
          ),
        );
        const chosen = await browserPage.evaluate(() =>
          Array.from(document.querySelectorAll('picture img')).map(
            (img) => /\/(\d+)\.\w+$/.exec((img as HTMLImageElement).currentSrc)?.[1] ?? 'none',
          ),
        );
        const sizes = await Promise.all(photoSizes);
        const loaded = sizes.length;
        const transferred = sizes.reduce((sum, size) => sum + size, 0);
        const widthsChosen = [...new Set(chosen)].map(
          (width) => `${chosen.filter((one) => one === width).length} × ${width}w`,
        );
        rows.push([
          `390 px, ${deviceScaleFactor}x`,
          widthsChosen.join(', '),
          String(loaded),
          (transferred / MIB).toFixed(1),
          (originals / MIB).toFixed(1),
          `${((transferred / originals) * 100).toFixed(0)} %`,
        ]);
        await context.close();
      }
    } finally {
      await browser.close();
    }
    console.log('A reader page of 50 photos on a phone, scrolled to the end:\n');
    table(rows);
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
