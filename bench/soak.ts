/**
 * The long soak (issue 18): the built server (as `npm start` runs it, on a temp SQLite file)
 * under a steady mixed load for a long time: thousands of readers held open, hundreds a second
 * leaving and coming back (resuming with Last-Event-ID, with ?after=, or new), entries
 * published, edited and deleted, view reports, editors signing in and out. Then the server's
 * heap after a full collection, RSS, descriptors, timers and sockets at the end against the
 * start, and every reader session's events checked against the generator's own log.
 *
 *   npm run bench:soak -- --minutes 30
 *   npm run bench:soak -- --minutes 1 --readers 300 --churn 30 --warm-up 15 --sample-every 10
 *
 * Phases: a warm-up under the full load; a quiet moment (load stopped, every reader gone, the
 * server settled): the start sample; the soak, a sample every `--sample-every` seconds under
 * load; a quiet moment again: the end sample. Quiet against quiet compares like with like;
 * the samples under load give the noise (spread around the trend) and the slope.
 * Results: tables on stdout, the samples and tallies as JSON in bench/results/ (or --out FILE),
 * beside it the server's last `/metrics` scrape under load. Exit 1 when a check fails.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ADMIN, BuiltServer, startBuiltServer, table } from './built-server';
import { cpuMicros } from './fanout/process-usage';
import { HttpClient } from './fanout/targets';
import {
  judge,
  PROBED_NODE_ARGS,
  probeServer,
  Sample,
  ServerFigures,
  socketsOf,
  timersOf,
  Verdict,
} from './soak/server-figures';
import { EDITOR_PASSWORD, LoadRates, LoadTally, signInSpread, SiteLoad } from './soak/site-load';
import { BlogLog, SessionTally, StreamSessions } from './soak/stream-sessions';

interface Options {
  minutes: number;
  readers: number;
  /** Reader sessions closed and reopened per second. */
  churn: number;
  blogs: number;
  rates: LoadRates;
  warmUpSeconds: number;
  sampleEverySeconds: number;
  out: string;
}

export interface SoakResult {
  options: Options;
  samples: Sample[];
  verdict: Verdict;
  sessions: SessionTally;
  load: LoadTally;
  /** CPU seconds over the soak (after the warm-up): the server's, and this generator's. */
  serverCpuSeconds: number;
  generatorCpuSeconds: number;
  /** Where the last `/metrics` scrape under load was saved, or why there is none. */
  metrics: string;
  passed: boolean;
}

const HOST = '127.0.0.1';
const MIB = 1024 * 1024;
/** Streams opening at once while the readers first connect. */
const CONNECT_CONCURRENCY = 100;
/** How long the open streams get to receive the last events once writes stop. */
const CATCH_UP_MS = 30_000;
/** How long the server gets to close its side of every connection and settle. */
const SETTLE_MS = 30_000;

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string' },
      readers: { type: 'string' },
      churn: { type: 'string' },
      blogs: { type: 'string' },
      writes: { type: 'string' },
      views: { type: 'string' },
      'sign-ins': { type: 'string' },
      'warm-up': { type: 'string' },
      'sample-every': { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const number = (text: string | undefined, fallback: number, what: string, least = 0) => {
    if (text === undefined) return fallback;
    const value = Number(text.replace(/k$/i, '000'));
    if (!Number.isFinite(value) || value < least) {
      throw new Error(`--${what} must be a number of at least ${least}: ${text}`);
    }
    return value;
  };
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return {
    minutes: number(values.minutes, 30, 'minutes', 0.1),
    readers: number(values.readers, 3000, 'readers', 1),
    churn: number(values.churn, 200, 'churn'),
    blogs: number(values.blogs, 3, 'blogs', 1),
    rates: {
      writes: number(values.writes, 3, 'writes', 0.1),
      views: number(values.views, 50, 'views'),
      signIns: number(values['sign-ins'], 2, 'sign-ins'),
    },
    warmUpSeconds: number(values['warm-up'], 60, 'warm-up', 1),
    sampleEverySeconds: number(values['sample-every'], 60, 'sample-every', 1),
    out: values.out ?? join(__dirname, 'results', `soak-${stamp}.json`),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` every `everyMs` until it holds or `timeoutMs` passed; whether it held. */
async function until(condition: () => boolean, timeoutMs: number, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** Editors to sign in as, made through the admin form (as an admin would). */
async function makeEditors(server: BuiltServer, count: number): Promise<string[]> {
  const client = new HttpClient(server.base, 4);
  try {
    const login = await client.json(200, 'POST', '/api/auth/login', { Origin: server.base }, ADMIN);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const csrf = String(login.json.csrfToken);
    const emails = Array.from({ length: count }, (_, i) => `editor${i}@soak.example.test`);
    let next = 0;
    // Four at a time: each is a password hash, the server's costliest request.
    const invite = async () => {
      while (next < emails.length) {
        const email = emails[next++];
        const form = new URLSearchParams({
          email,
          name: `Soak editor ${email}`,
          role: 'editor',
          password: EDITOR_PASSWORD,
          _csrf: csrf,
        });
        const answer = await client.send(
          'POST',
          '/admin/users',
          {
            Origin: server.base,
            Cookie: cookie,
            'Content-Type': 'application/x-www-form-urlencoded',
          },
          form.toString(),
        );
        if (answer.status !== 303) throw new Error(`inviting ${email}: ${answer.status}`);
      }
    };
    await Promise.all(Array.from({ length: 4 }, invite));
    return emails;
  } finally {
    client.close();
  }
}

/** The readers and the rest of the load, together, until `stop`. */
class FullLoad {
  private churnTimer?: NodeJS.Timeout;

  constructor(
    readonly sessions: StreamSessions,
    readonly site: SiteLoad,
    private readonly options: Options,
  ) {}

  async start(): Promise<void> {
    await this.sessions.openAll(CONNECT_CONCURRENCY);
    this.site.start(this.options.rates);
    let owed = 0;
    // Ten times a second: churn evenly, and check the sessions that closed.
    this.churnTimer = setInterval(() => {
      owed += this.options.churn / 10;
      const now = Math.floor(owed);
      owed -= now;
      this.sessions.churn(now);
      this.sessions.checkClosed();
    }, 100);
  }

  /** Stops the load, lets the open streams get the last events, then closes everything. */
  async stop(): Promise<void> {
    clearInterval(this.churnTimer);
    await this.site.stop();
    await until(() => this.sessions.caughtUp(), CATCH_UP_MS);
    this.sessions.closeAll();
    this.site.closeConnections();
  }
}

/**
 * The server once quiet: no connection of ours left on its side, and two probes a second
 * apart that agree (a coalesced `readers` count or a flush may still be due just after).
 */
async function settledFigures(server: BuiltServer): Promise<ServerFigures> {
  const deadline = Date.now() + SETTLE_MS;
  let before = await probeServer(server.child);
  for (;;) {
    await sleep(1000);
    const now = await probeServer(server.child);
    const agree =
      socketsOf(now) === 0 &&
      socketsOf(before) === 0 &&
      timersOf(now) === timersOf(before) &&
      now.descriptors === before.descriptors;
    if (agree || Date.now() > deadline) return now;
    before = now;
  }
}

/** The last `/metrics` scrape, saved beside the results, if the server serves it. */
async function saveMetrics(server: BuiltServer, token: string, file: string): Promise<string> {
  try {
    const answer = await fetch(`${server.base}/metrics`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    if (!answer.ok) return `none: GET /metrics answered ${answer.status}`;
    writeFileSync(file, await answer.text());
    return file;
  } catch (error) {
    return `none: ${String(error)}`;
  }
}

function printResult(result: SoakResult): void {
  const mib = (bytes: number) => (bytes / MIB).toFixed(1);
  table([
    [
      'sample',
      'at (s)',
      'readers',
      'heap MiB',
      'RSS MiB',
      'buffers MiB',
      'fds',
      'timers',
      'sockets',
    ],
    ...result.samples.map((sample) => [
      sample.label,
      String(Math.round(sample.atSeconds)),
      String(sample.openReaders),
      mib(sample.heapUsed),
      mib(sample.rss),
      mib(sample.arrayBuffers),
      String(sample.descriptors),
      String(timersOf(sample)),
      String(socketsOf(sample)),
    ]),
  ]);
  const { verdict, sessions, load } = result;
  const mark = (held: boolean) => (held ? 'ok' : 'FAILED');
  table([
    ['end against start', 'value', 'judged'],
    [
      'heap after gc',
      `${mib(verdict.heapGrowthBytes)} MiB (allowed ${mib(verdict.heapAllowanceBytes)})`,
      mark(verdict.heapHeld),
    ],
    ['heap noise under load', `±${mib(verdict.heapNoiseBytes)} MiB`, ''],
    ['heap slope under load', `${verdict.heapSlopeMBPerHour.toFixed(1)} MiB/hour`, ''],
    ['heap per open reader (fit)', `${verdict.heapPerReaderKiB.toFixed(1)} KiB`, ''],
    ['RSS', `${mib(verdict.rssGrowthBytes)} MiB`, ''],
    ['array buffers', `${mib(verdict.arrayBuffersGrowthBytes)} MiB`, ''],
    ['descriptors', String(verdict.descriptorGrowth), mark(verdict.descriptorsHeld)],
    ['timers', String(verdict.timerGrowth), mark(verdict.timersHeld)],
    ['sockets at the end', String(verdict.socketsAtEnd), mark(verdict.socketsHeld)],
  ]);
  table([
    ['readers', 'value'],
    ['sessions opened', String(sessions.opened)],
    ['  Last-Event-ID / ?after= / none', Object.values(sessions.byCursor).join(' / ')],
    ['sessions checked (with events)', `${sessions.checked} (${sessions.checkedWithEvents})`],
    ['events delivered', String(sessions.delivered)],
    ['violations', String(sessions.violations)],
    [
      '  missing / duplicated / unexpected / resets',
      `${sessions.missing} / ${sessions.duplicated} / ${sessions.unexpected} / ${sessions.resets}`,
    ],
    [
      'time to open, ms (p50 / p99 / max)',
      sessions.openMs
        ? [sessions.openMs.p50, sessions.openMs.p99, sessions.openMs.max]
            .map((ms) => ms.toFixed(0))
            .join(' / ')
        : '-',
    ],
    ['ended by the server', String(sessions.endedByServer)],
    ['failed to open', JSON.stringify(sessions.openFailures)],
  ]);
  table([
    ['load', 'value'],
    ['published / edited / deleted', `${load.published} / ${load.edited} / ${load.deleted}`],
    ['view reports', String(load.viewReports)],
    ['sign-ins / sign-outs', `${load.signIns} / ${load.signOuts}`],
    ['failed requests', JSON.stringify(load.failures)],
    [
      'server CPU s / generator CPU s',
      `${result.serverCpuSeconds.toFixed(0)} / ${result.generatorCpuSeconds.toFixed(0)}`,
    ],
    ['/metrics', result.metrics],
  ]);
  for (const example of sessions.examples) console.log(`violation: ${example}`);
}

async function soak(options: Options): Promise<SoakResult> {
  const metricsToken = randomBytes(24).toString('base64url');
  const server = await startBuiltServer(
    {
      // Every reader connects from 127.0.0.1, and the view reports too.
      SSE_MAX_PER_ADDRESS: '1000000',
      VIEWS_RATE_LIMIT: '1000000',
      METRICS_TOKEN: metricsToken,
    },
    { nodeArgs: PROBED_NODE_ARGS, ipc: true },
  );
  try {
    mkdirSync(dirname(options.out), { recursive: true });
    const logs: BlogLog[] = [];
    for (let i = 0; i < options.blogs; i++) {
      const slug = `soak-${i + 1}`;
      await server.call('POST', '/api/blogs', { title: `Soak ${i + 1}`, slug });
      logs.push({ slug, ids: [], writing: false });
    }
    const totalSeconds = options.warmUpSeconds + options.minutes * 60;
    const spread = signInSpread(options.rates.signIns, totalSeconds);
    const editors = await makeEditors(server, spread.accounts);
    const port = Number(new URL(server.base).port);
    const sessions = new StreamSessions(HOST, port, logs, options.readers);
    const site = new SiteLoad(server.base, server.auth, logs, editors, spread.addresses);
    const load = new FullLoad(sessions, site, options);

    console.log(`Warm-up: ${options.warmUpSeconds} s under the full load…`);
    await load.start();
    await sleep(options.warmUpSeconds * 1000);
    await load.stop();
    const samples: Sample[] = [
      { label: 'start', atSeconds: 0, openReaders: 0, ...(await settledFigures(server)) },
    ];

    console.log(`Soak: ${options.minutes} min, a sample every ${options.sampleEverySeconds} s…`);
    const startedAt = Date.now();
    const cpuAtStart = { server: cpuMicros([server.pid]), generator: process.cpuUsage() };
    await load.start();
    const soakMs = options.minutes * 60_000;
    for (let k = 1; ; k++) {
      const at = Math.min(k * options.sampleEverySeconds * 1000, soakMs);
      await sleep(startedAt + at - Date.now());
      // Open before and after the probe: open while it looked, whatever churned meanwhile.
      const openBefore = sessions.openSessions();
      const figures = await probeServer(server.child);
      const openAfter = sessions.openSessions();
      samples.push({
        label: `load ${k}`,
        atSeconds: (Date.now() - startedAt) / 1000,
        openReaders: [...openBefore].filter((session) => openAfter.has(session)).length,
        ...figures,
      });
      console.log(`  ${samples.length - 1}: heap ${(figures.heapUsed / MIB).toFixed(1)} MiB`);
      if (at >= soakMs) break;
    }
    const metrics = await saveMetrics(
      server,
      metricsToken,
      options.out.replace(/\.json$/, '') + '.metrics.txt',
    );
    await load.stop();
    const generatorCpu = process.cpuUsage(cpuAtStart.generator);
    const serverCpuSeconds = (cpuMicros([server.pid]) - cpuAtStart.server) / 1e6;
    samples.push({
      label: 'end',
      atSeconds: (Date.now() - startedAt) / 1000,
      openReaders: 0,
      ...(await settledFigures(server)),
    });
    const verdict = judge(samples[0], samples.slice(1, -1), samples.at(-1)!);
    const sessionTally = sessions.report();
    const loadTally = site.report();
    const passed =
      verdict.heapHeld &&
      verdict.descriptorsHeld &&
      verdict.timersHeld &&
      verdict.socketsHeld &&
      sessionTally.violations === 0 &&
      Object.keys(sessionTally.openFailures).length === 0 &&
      Object.keys(loadTally.failures).length === 0;
    return {
      options,
      samples,
      verdict,
      sessions: sessionTally,
      load: loadTally,
      serverCpuSeconds,
      generatorCpuSeconds: (generatorCpu.user + generatorCpu.system) / 1e6,
      metrics,
      passed,
    };
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions();
  const result = await soak(options);
  printResult(result);
  writeFileSync(options.out, JSON.stringify(result, null, 2));
  console.log(`Results: ${options.out}`);
  console.log(result.passed ? 'Soak passed.' : 'Soak FAILED.');
  process.exitCode = result.passed ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
