/**
 * What counting views costs publishing: starts the built server (as `npm start` would) on a temp
 * SQLite file, makes a blog of 50 entries, then times 200 publishes at about 20 a second (POST
 * until its 201), once with no view load and once while this process sends 5,000 views a second
 * (100 beacons a second of 50 entry ids, each beacon from a new reader). Loopback only, bounded
 * in time and count. Then the memory of the dedupe store (SeenViews) at 100k readers.
 *
 *   npm run bench:views    (= npm run build && ts-node bench/views-cost.ts)
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SeenViews } from '../src/counters/seen-views';
import { startBuiltServer } from './built-server';
import { HttpClient } from './fanout/targets';

const ENTRIES = 50;
const PUBLISHES = 200;
const PUBLISH_INTERVAL_MS = 50;
const BEACONS_PER_SECOND = 100;
/** A beacon takes at most 100 ids; the reader page sends what was on screen, here all 50. */
const IDS_PER_BEACON = ENTRIES;
/** Beacons in flight at most: past this the generator falls behind rather than pile up. */
const MAX_IN_FLIGHT = 200;
const STORE_READERS = 100_000;
const STORE_ENTRIES_PER_READER = 10;
const MIB = 2 ** 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

/** Publishes `count` entries, one every PUBLISH_INTERVAL_MS whatever the answers take. */
async function timePublishes(
  count: number,
  publish: (index: number) => Promise<void>,
): Promise<number[]> {
  const started = Date.now();
  const latencies: Promise<number>[] = [];
  for (let index = 0; index < count; index++) {
    await sleep(started + index * PUBLISH_INTERVAL_MS - Date.now());
    const sentAt = performance.now();
    latencies.push(publish(index).then(() => performance.now() - sentAt));
  }
  return (await Promise.all(latencies)).sort((a, b) => a - b);
}

/**
 * Sends beacons at BEACONS_PER_SECOND until stopped, each from a new reader (its own cookie),
 * on keep-alive connections. Counts only beacons answered 204.
 */
function startViewLoad(base: string, slug: string, postIds: number[]) {
  const client = new HttpClient(base, 64);
  const started = performance.now();
  let due = 0;
  let inFlight = 0;
  let answered = 0;
  let failed = 0;
  let stopped = false;
  const pending = new Set<Promise<void>>();
  const beacon = () => {
    inFlight += 1;
    const cookie = `liveblog_reader=${randomBytes(16).toString('base64url')}`;
    const done = client
      .send(
        'POST',
        `/blogs/${slug}/views`,
        { Cookie: cookie, 'Content-Type': 'application/json' },
        JSON.stringify({ postIds }),
      )
      .then(
        (answer) => (answer.status === 204 ? (answered += 1) : (failed += 1)),
        () => (failed += 1),
      )
      .then(() => {
        inFlight -= 1;
        pending.delete(done);
      });
    pending.add(done);
  };
  // Catches up with the schedule every 10 ms, so timer lateness does not lower the rate.
  const timer = setInterval(() => {
    const shouldHaveSent = Math.floor(((performance.now() - started) / 1000) * BEACONS_PER_SECOND);
    while (!stopped && due < shouldHaveSent && inFlight < MAX_IN_FLIGHT) {
      due += 1;
      beacon();
    }
  }, 10);
  return {
    async stop(): Promise<{ viewsPerSecond: number; beacons: number; failed: number }> {
      stopped = true;
      clearInterval(timer);
      const seconds = (performance.now() - started) / 1000;
      await Promise.all(pending);
      client.close();
      return {
        viewsPerSecond: (answered * IDS_PER_BEACON) / seconds,
        beacons: answered,
        failed,
      };
    },
  };
}

/** The views of the given entries, as the API gives them (newest first, page by page). */
async function totalViews(client: HttpClient, slug: string, postIds: number[]): Promise<number> {
  const wanted = new Set(postIds);
  let total = 0;
  let before = '';
  for (;;) {
    const page = await client.json(200, 'GET', `/api/blogs/${slug}/posts?limit=100${before}`);
    const posts = page.json.posts as Array<{ id: number; views: number }>;
    if (posts.length === 0) return total;
    for (const post of posts) if (wanted.has(post.id)) total += post.views;
    before = `&before=${posts[posts.length - 1].id}`;
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/** The dedupe store's memory with 100k readers of 10 entries each, in this process. */
function measureStore(): {
  byteLength: number;
  rssGrowth: number;
  heldGrowth: number;
  arrayBuffersGrowth: number;
} {
  const ids = randomBytes(STORE_READERS * 16);
  const readers = Array.from({ length: STORE_READERS }, (_, i) =>
    ids.toString('base64url', i * 16, i * 16 + 16),
  );
  collectGarbage();
  const before = process.memoryUsage();
  const seen = new SeenViews();
  let firsts = 0;
  for (const reader of readers) {
    for (let entry = 1; entry <= STORE_ENTRIES_PER_READER; entry++) {
      if (seen.firstView(reader, entry)) firsts += 1;
    }
  }
  collectGarbage();
  const after = process.memoryUsage();
  if (firsts !== STORE_READERS * STORE_ENTRIES_PER_READER) {
    console.warn(
      `note: ${STORE_READERS * STORE_ENTRIES_PER_READER - firsts} views seen as repeats`,
    );
  }
  return {
    byteLength: seen.byteLength,
    rssGrowth: after.rss - before.rss,
    heldGrowth: after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers),
    arrayBuffersGrowth: after.arrayBuffers - before.arrayBuffers,
  };
}

async function main(): Promise<void> {
  // First, while this process holds little else: the readings are then about the store alone.
  const store = measureStore();
  const server = await startBuiltServer({
    VIEWS_RATE_LIMIT: '1000000',
    SSE_MAX_PER_ADDRESS: '1000000',
  });
  const { base, auth } = server;
  const api = new HttpClient(base, 8);
  try {
    const blog = await api.json(201, 'POST', '/api/blogs', auth, { title: 'Bench', slug: 'bench' });
    const slug = (blog.json.blog as { slug: string }).slug;
    const publish = async (body: string) => {
      const answer = await api.json(201, 'POST', `/api/blogs/${slug}/posts`, auth, { body });
      return (answer.json.post as { id: number }).id;
    };
    const postIds: number[] = [];
    for (let i = 0; i < ENTRIES; i++) postIds.push(await publish(`Entry ${i + 1}`));
    // Warm-up, not timed.
    for (let i = 0; i < 100; i++) await publish(`Warm-up ${i}`);

    const quiet = await timePublishes(PUBLISHES, (i) =>
      publish(`Quiet ${i}: **kick-off** soon`).then(() => undefined),
    );

    const load = startViewLoad(base, slug, postIds);
    await sleep(1000); // the load settles before the timing starts
    const loaded = await timePublishes(PUBLISHES, (i) =>
      publish(`Loaded ${i}: **kick-off** soon`).then(() => undefined),
    );
    const sent = await load.stop();

    // After the next flush, the server's count of what it was sent.
    await sleep(1500);
    const counted = await totalViews(api, slug, postIds);

    const rows = [
      ['scenario', 'views/s sent (measured)', 'publish p50 ms', 'p99 ms', 'max ms'],
      ...[
        ['no view load', quiet, 0],
        [`${BEACONS_PER_SECOND} beacons/s x ${IDS_PER_BEACON} ids`, loaded, sent.viewsPerSecond],
      ].map(([name, latencies, rate]) => {
        const sorted = latencies as number[];
        return [
          name as string,
          (rate as number).toFixed(0),
          percentile(sorted, 0.5).toFixed(1),
          percentile(sorted, 0.99).toFixed(1),
          sorted[sorted.length - 1].toFixed(1),
        ];
      }),
    ];
    const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
    console.log(`\n${PUBLISHES} publishes at ${1000 / PUBLISH_INTERVAL_MS}/s each:\n`);
    for (const row of rows) {
      console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
    }
    console.log(
      `\nbeacons answered 204: ${sent.beacons} (failed: ${sent.failed}); ` +
        `views counted by the server: ${counted} of ${sent.beacons * IDS_PER_BEACON} sent`,
    );
  } finally {
    api.close();
    await server.stop();
  }

  console.log(
    `\nSeenViews with ${STORE_READERS.toLocaleString('en')} readers x ` +
      `${STORE_ENTRIES_PER_READER} entries: byteLength ${(store.byteLength / MIB).toFixed(1)} MiB, ` +
      `RSS +${(store.rssGrowth / MIB).toFixed(1)} MiB, ` +
      `heap+arrayBuffers +${(store.heldGrowth / MIB).toFixed(1)} MiB ` +
      `(arrayBuffers +${(store.arrayBuffersGrowth / MIB).toFixed(1)} MiB)`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
