/**
 * Fan-out benchmark (issue 7): N readers on one blog's stream, M entries published at a fixed
 * rate, against Liveblog (the built app, as `npm start` runs it), nchan (nginx, nchan.conf)
 * and a naive Express SSE server (naive-express.ts), side by side with ratios to nchan.
 * Loopback only, every phase bounded in count and time.
 *
 *   npm run bench                                   (1k, 5k, 15k readers × 30 events at 5/s)
 *   npm run bench -- --readers 1000,5000 --events 30 --rate 5 --targets liveblog,nchan
 *   npm run bench -- --storm --backlog              (add the resume scenarios; --all: both)
 *   npm run bench -- --smoke                        (1k readers, Liveblog; exit 1 on loss)
 *   npm run bench -- --settle-seconds 0             (quicker: memory read without waiting for V8)
 *   npm run bench -- --processes 2 --database postgres --readers 10k,30k --targets liveblog,nchan
 *                                  (2 Liveblog processes on PostgreSQL + Redis, nchan 2 workers)
 *
 * Options may also come from the environment: BENCH_READERS, BENCH_EVENTS, BENCH_RATE,
 * BENCH_TARGETS, BENCH_WORKERS, BENCH_SOURCES, BENCH_PROCESSES, BENCH_DATABASE. Results: a table on stdout, and the rows as
 * JSON in bench/results/ (or --out FILE).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CLOCK_TICKS_PER_SECOND,
  CpuWindow,
  listenOverflows,
  GC_QUIET_MS,
  GC_SETTLE_MS,
  settledRss,
  socketsInTimeWait,
} from './process-usage';
import { ReaderFleet, startReaderFleet } from './reader-fleet';
import { epochMs, OpenResult, PoolReport, StreamTarget } from './sse-reader-pool';
import {
  Database,
  DATABASES,
  Deployment,
  HOST,
  removeLiveblogBuild,
  startTarget,
  Target,
  TARGET_NAMES,
  TARGET_TRAITS,
  TargetName,
  TargetUnavailableError,
} from './targets';

const KIB = 1024;
/** Entries published before readers connect: the server's publish path is warm when timed. */
const WARM_UP_PUBLISHES = 3;
/** Sequence numbers of entries no reader should count. */
const UNCOUNTED_SEQ = 9_000_000;
/** RSS right after the streams opened: the lowest of the readings over this long. */
const QUICK_RSS_MS = 1500;

interface Options extends Deployment {
  readers: number[];
  events: number;
  rate: number;
  targets: TargetName[];
  workers: number;
  sources: string[];
  connectConcurrency: number;
  fanout: boolean;
  storm: boolean;
  stormReaders: number;
  stormBehind: number;
  backlog: boolean;
  backlogEvents: number;
  smoke: boolean;
  out?: string;
  /** How long a garbage-collected server's memory is watched (GC_SETTLE_MS; 0: not). */
  gcSettleMs: number;
}

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

interface FanOutRow {
  scenario: 'fan-out';
  target: TargetName;
  /** Server processes of the target (nchan: workers) and Liveblog's database. */
  processes: number;
  database: Database;
  readers: number;
  events: number;
  rate: number;
  opened: number;
  failedToOpen: number;
  openFailures: Record<string, number>;
  connectSeconds: number;
  /** SYNs dropped on a full accept queue while the streams opened (whole machine). */
  listenOverflows: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  closedEarly: number;
  latencyMs: Stats | null;
  /**
   * With a port per process (Liveblog on several): the latency of the readers on the process
   * that took the publishes, and of those on the others.
   */
  latencyOnPublisherMs: Stats | null;
  latencyOnOthersMs: Stats | null;
  /** Settled, before the readers connect. */
  rssIdleBytes: number;
  /** Within QUICK_RSS_MS of the last stream opening. */
  rssConnectedBytes: number;
  /** Settled, the readers connected: what holding them costs. */
  rssOpenBytes: number;
  /** When the lowest reading with the readers connected was taken, ms into the wait. */
  rssOpenLowestAtMs: number;
  rssPerReaderKiB: number;
  /** Right after connecting: the memory held plus the garbage of opening the streams. */
  rssConnectedPerReaderKiB: number;
  serverCpuMicros: number;
  cpuPerDeliveryMicros: number | null;
  /** PostgreSQL's backends of the run's database and Redis, where the target uses them. */
  servicesCpuMicros: number | null;
  servicesCpuPerDeliveryMicros: number | null;
  publishMs: Stats | null;
  /** The same publishes timed by the server (its request log), where it tells. */
  serverPublishMs: Stats | null;
  publishErrors: number;
  windowSeconds: number;
  generatorProcesses: number;
  generatorCpuPercent: number;
  /** All cores together, 100% = every core busy for the whole window. */
  machineBusyPercent: number;
  /**
   * The machine's busy time that was neither the server's nor the bench's (generator and
   * publisher): other programs, or kernel work charged to no process. High: timings are noisy.
   */
  otherLoadPercent: number;
  /** Taken by the hypervisor for other guests: when high, timings are noisy. */
  machineStealPercent: number;
  note?: string;
}

/** What a storm or backlog run sets up; recordResume measures the rest. */
type ResumeRun = Pick<
  ResumeRow,
  | 'scenario'
  | 'target'
  | 'readers'
  | 'behind'
  | 'liveDuring'
  | 'spreadMs'
  | 'listenOverflows'
  | 'publishSeconds'
>;

interface ResumeRow {
  scenario: 'storm' | 'backlog';
  target: TargetName;
  readers: number;
  behind: number;
  liveDuring: number;
  spreadMs: number;
  opened: number;
  failedToOpen: number;
  openFailures: Record<string, number>;
  allOpenSeconds: number;
  listenOverflows: number;
  /** From the first connect until every reader had all `behind` events. */
  caughtUpSeconds: number | null;
  completeSeconds: number | null;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  unexpected: number;
  closedEarly: number;
  serverCpuSeconds: number;
  otherLoadPercent: number;
  /** The readers' processes and the publisher over the window. */
  generatorCpuSeconds: number;
  publishSeconds: number;
}

interface Skip {
  target: TargetName;
  scenario: string;
  reason: string;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      readers: { type: 'string' },
      events: { type: 'string' },
      rate: { type: 'string' },
      targets: { type: 'string' },
      workers: { type: 'string' },
      sources: { type: 'string' },
      processes: { type: 'string' },
      database: { type: 'string' },
      'connect-concurrency': { type: 'string' },
      'no-fanout': { type: 'boolean' },
      storm: { type: 'boolean' },
      'storm-readers': { type: 'string' },
      backlog: { type: 'boolean' },
      'backlog-events': { type: 'string' },
      'settle-seconds': { type: 'string' },
      all: { type: 'boolean' },
      smoke: { type: 'boolean' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const env = process.env;
  const smoke = values.smoke ?? false;
  const numberOption = (text: string | undefined, fallback: number, what: string, least = 1) => {
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < least) {
      throw new Error(`${what} must be a number of at least ${least}: ${text}`);
    }
    return value;
  };
  const readers = (values.readers ?? env.BENCH_READERS ?? (smoke ? '1000' : '1000,5000,15000'))
    .split(',')
    .filter(Boolean)
    .map((n) => numberOption(n.replace(/k$/i, '000'), 0, '--readers'));
  const targets = (
    values.targets ??
    env.BENCH_TARGETS ??
    (smoke ? 'liveblog' : TARGET_NAMES.join(','))
  )
    .split(',')
    .filter(Boolean);
  for (const target of targets) {
    if (!(TARGET_NAMES as readonly string[]).includes(target)) {
      throw new Error(`--targets: unknown ${target} (known: ${TARGET_NAMES.join(', ')})`);
    }
  }
  const sourceCount = numberOption(values.sources ?? env.BENCH_SOURCES, 1, '--sources');
  const processes = numberOption(values.processes ?? env.BENCH_PROCESSES, 1, '--processes');
  const database = values.database ?? env.BENCH_DATABASE ?? 'sqlite';
  if (!(DATABASES as readonly string[]).includes(database)) {
    throw new Error(`--database: unknown ${database} (known: ${DATABASES.join(', ')})`);
  }
  if (processes > 1 && database === 'sqlite' && targets.includes('liveblog')) {
    throw new Error('--processes above 1 needs --database postgres: a SQLite file is one process');
  }
  return {
    processes,
    database: database as Database,
    readers,
    events: numberOption(values.events ?? env.BENCH_EVENTS, smoke ? 10 : 30, '--events'),
    rate: numberOption(values.rate ?? env.BENCH_RATE, smoke ? 10 : 5, '--rate', 0.1),
    targets: targets as TargetName[],
    workers: numberOption(values.workers ?? env.BENCH_WORKERS, 2, '--workers', 0),
    sources: Array.from({ length: Math.max(1, sourceCount) }, (_, i) => `127.0.0.${i + 1}`),
    connectConcurrency: numberOption(values['connect-concurrency'], 256, '--connect-concurrency'),
    fanout: !values['no-fanout'],
    storm: (values.storm ?? false) || (values.all ?? false),
    stormReaders: numberOption(values['storm-readers'], 10_000, '--storm-readers'),
    stormBehind: 100,
    backlog: (values.backlog ?? false) || (values.all ?? false),
    backlogEvents: numberOption(values['backlog-events'], 10_000, '--backlog-events'),
    smoke,
    out: values.out,
    gcSettleMs:
      numberOption(
        values['settle-seconds'],
        smoke ? 0 : GC_SETTLE_MS / 1000,
        '--settle-seconds',
        0,
      ) * 1000,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

function stats(values: Float64Array | number[]): Stats | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))];
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] };
}

/**
 * An entry's body: the marker readers parse (sequence number, publish time in µs since the
 * epoch, same clock in every process here), then text of a usual entry's length.
 */
function entryBody(seq: number, publishedAt: number): string {
  return (
    `@@${seq}:${Math.round(publishedAt * 1000)}@@ Goal! A low shot from the edge of the box ` +
    'beats the keeper at the near post. **2-1** with ten minutes to play.'
  );
}

/** Publishes entries seq, seq+1, ... at `rate` a second whatever the answers take. */
async function publishAtRate(
  target: Target,
  slug: string,
  firstSeq: number,
  count: number,
  rate: number,
): Promise<{ latencies: number[]; errors: number; lastEventId?: string }> {
  const started = performance.now();
  const latencies: number[] = [];
  let errors = 0;
  let lastEventId: string | undefined;
  const pending: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) {
    await sleep(started + (i * 1000) / rate - performance.now());
    const publishedAt = epochMs();
    pending.push(
      target.publish(slug, entryBody(firstSeq + i, publishedAt)).then(
        (eventId) => {
          latencies.push(epochMs() - publishedAt);
          if (i === count - 1) lastEventId = eventId;
        },
        (error: unknown) => {
          errors += 1;
          console.error(`publish ${firstSeq + i}: ${String(error)}`);
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, errors, lastEventId };
}

/** Publishes entries as fast as `concurrency` requests at a time go; resolves with the seconds taken. */
async function publishMany(
  target: Target,
  slug: string,
  firstSeq: number,
  count: number,
  concurrency: number,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  let lastReport = started;
  const lane = async () => {
    while (next < count) {
      const seq = firstSeq + next++;
      await target.publish(slug, entryBody(seq, epochMs()));
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        console.error(`  ... ${next} of ${count} published`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return (performance.now() - started) / 1000;
}

/** Entries no reader counts, so that the server's publish path is warm when timed. */
async function warmUp(target: Target, slug: string): Promise<void> {
  for (let i = 0; i < WARM_UP_PUBLISHES; i++) {
    await target.publish(slug, entryBody(UNCOUNTED_SEQ + i, epochMs()));
  }
}

/** The blog's stream on each of the target's ports: readers spread over them in turn. */
function streamsOf(target: Target, slug: string): StreamTarget[] {
  return target.ports.map((port) => ({ host: HOST, port, path: target.streamPath(slug) }));
}

class Bench {
  readonly fanOutRows: FanOutRow[] = [];
  readonly resumeRows: ResumeRow[] = [];
  readonly skipped: Skip[] = [];

  constructor(
    private readonly options: Options,
    private readonly fleet: ReaderFleet,
  ) {}

  private openOptions(target: Target, slug: string, count: number) {
    return {
      targets: streamsOf(target, slug),
      count,
      sources: this.options.sources,
      concurrency: this.options.connectConcurrency,
      spreadMs: 0,
      connectTimeoutMs: 15_000,
      deadlineMs: 30_000 + count * 10,
    };
  }

  /** Starts a target for one run; a target that cannot start is skipped with its reason. */
  async withTarget(
    name: TargetName,
    scenario: string,
    run: (target: Target) => Promise<void>,
  ): Promise<void> {
    let target: Target;
    try {
      target = await startTarget(name, this.options);
    } catch (error) {
      const reason = error instanceof TargetUnavailableError ? error.message : String(error);
      this.skipped.push({ target: name, scenario, reason });
      console.error(`SKIPPED ${TARGET_TRAITS[name].label} (${scenario}): ${reason}`);
      return;
    }
    try {
      await run(target);
    } finally {
      await this.fleet.close();
      await target.stop();
    }
  }

  /**
   * N readers, M entries at the rate: one row of the table. Resolves with the event id of the
   * last entry; with `keepOpen` the readers stay connected.
   */
  async fanOut(
    target: Target,
    slug: string,
    readers: number,
    { keepOpen = false, note }: { keepOpen?: boolean; note?: string } = {},
  ): Promise<string | undefined> {
    const { events, rate } = this.options;
    const pids = () => target.pids();
    const settleMs = TARGET_TRAITS[target.name].collectsGarbage ? this.options.gcSettleMs : 0;
    const quietMs = settleMs > 0 ? GC_QUIET_MS : 0;
    const idle = await settledRss(pids, Math.max(QUICK_RSS_MS, settleMs), { quietMs });
    // The wait leaves the publish path as cold as any pause does: warmed up again, so that the
    // fan-out starts as it does without a wait.
    if (settleMs > 0) await warmUp(target, slug);
    const overflowsBefore = listenOverflows();
    const opened = await this.fleet.open(this.openOptions(target, slug, readers));
    const overflows = listenOverflows() - overflowsBefore;
    reportOpenFailures(target, opened);
    const connected = await settledRss(pids, QUICK_RSS_MS);

    await this.fleet.expect({ firstSeq: 0, count: events, caughtUpCount: events });
    const cpu = new CpuWindow(pids, await target.servicePids?.());
    target.takeServerPublishMs?.();
    const published = await publishAtRate(target, slug, 0, events, rate);
    // Bounded drain: what has not arrived by then is lost.
    await this.fleet.waitForCompletion(20_000);
    // Workers report their CPU with their counts; with none, the readers are in this process.
    const report = await this.fleet.report();
    const window = cpu.finish(
      this.fleet.processes > 0 ? report.cpuMicros : 0,
      await target.servicePids?.(),
    );
    const services = target.servicePids ? window.servicesMicros : null;
    // What holding the readers costs, read after the fan-out (which starts right after they
    // connect, as always), once V8 has given back the garbage of connecting them.
    const held = settleMs > 0 ? await settledRss(pids, settleMs, { quietMs }) : connected;
    if (settleMs > 0 && held.atMs > 2 * settleMs - GC_QUIET_MS) {
      console.error(
        `  memory was still falling ${(held.atMs / 1000).toFixed(0)} s into the wait: ` +
          'the KiB/reader may be high (raise --settle-seconds)',
      );
    }
    const open = held.bytes < connected.bytes ? held : connected;
    if (!keepOpen) await this.fleet.close();

    // Readers on the publishing process (the first port) against the others'.
    const [onPublisher, ...onOthers] = report.latenciesByTarget;
    const split = target.ports.length > 1;
    const row: FanOutRow = {
      scenario: 'fan-out',
      target: target.name,
      processes: this.options.processes,
      database: this.options.database,
      readers,
      events,
      rate,
      opened: opened.opened,
      failedToOpen: opened.failed,
      openFailures: opened.failures,
      connectSeconds: (opened.finishedAt - opened.startedAt) / 1000,
      listenOverflows: overflows,
      ...tally(report),
      latencyMs: stats(report.latencies),
      latencyOnPublisherMs: split ? stats(onPublisher) : null,
      latencyOnOthersMs: split ? stats(onOthers.flatMap((values) => Array.from(values))) : null,
      rssIdleBytes: idle.bytes,
      rssConnectedBytes: connected.bytes,
      rssOpenBytes: open.bytes,
      rssOpenLowestAtMs: open.atMs,
      rssPerReaderKiB: (open.bytes - idle.bytes) / readers / KIB,
      rssConnectedPerReaderKiB: (connected.bytes - idle.bytes) / readers / KIB,
      serverCpuMicros: window.serverMicros,
      cpuPerDeliveryMicros: report.delivered ? window.serverMicros / report.delivered : null,
      servicesCpuMicros: services,
      servicesCpuPerDeliveryMicros:
        services !== null && report.delivered ? services / report.delivered : null,
      publishMs: stats(published.latencies),
      serverPublishMs: stats(target.takeServerPublishMs?.() ?? []),
      publishErrors: published.errors,
      windowSeconds: window.seconds,
      generatorProcesses: Math.max(1, this.fleet.processes),
      generatorCpuPercent: (window.benchMicros / (window.seconds * 1e6)) * 100,
      machineBusyPercent: window.machineBusyPercent,
      otherLoadPercent: window.otherLoadPercent,
      machineStealPercent: window.machineStealPercent,
      note,
    };
    this.fanOutRows.push(row);
    console.error(`  ${describeFanOut(row)}`);
    return published.lastEventId;
  }

  async fanOutRun(name: TargetName, readers: number): Promise<void> {
    await this.withTarget(name, `fan-out ${readers}`, async (target) => {
      await target.createBlog('bench');
      await warmUp(target, 'bench');
      console.error(`${TARGET_TRAITS[name].label}: ${readers} readers`);
      await this.fanOut(target, 'bench', readers);
    });
  }

  /**
   * Reconnect storm: R readers connected (a fan-out run at R, so the publish latency with R
   * readers open is measured too); every stream drops at once; `behind` entries are published
   * meanwhile; then all reconnect evenly within a second with the `Last-Event-ID` of the last
   * entry they had, and a few more entries are published live while they catch up. Measured:
   * the time from the first reconnect until every reader has every missed entry; and that each
   * gets each entry, missed or live, exactly once.
   */
  async storm(name: TargetName): Promise<void> {
    const { stormReaders: readers, stormBehind: behind } = this.options;
    const liveDuring = 10;
    const spreadMs = 1000;
    if (!TARGET_TRAITS[name].resumes) {
      this.skipped.push({ target: name, scenario: 'storm', reason: 'no resume' });
      return;
    }
    await timeWaitCleared();
    await this.withTarget(name, 'storm', async (target) => {
      const slug = 'storm';
      await target.createBlog(slug);
      await warmUp(target, slug);
      console.error(`${TARGET_TRAITS[name].label}: reconnect storm of ${readers} readers`);
      const base = await this.fanOut(target, slug, readers, {
        keepOpen: true,
        note: 'storm setup',
      });
      if (base === undefined) throw new Error('storm: the last event id is unknown');
      await this.fleet.close(); // every stream drops at once

      const firstSeq = 1000;
      const publishSeconds = await publishMany(target, slug, firstSeq, behind, 4);
      await this.fleet.expect({ firstSeq, count: behind + liveDuring, caughtUpCount: behind });
      const cpu = new CpuWindow(() => target.pids());
      const overflowsBefore = listenOverflows();
      const waveStart = epochMs();
      // As browsers do, a connection waits for the kernel's SYN retries (1, 3, 7, 15, 31 s
      // after an accept queue overflow) rather than give up early.
      const opening = this.fleet.open({
        ...this.openOptions(target, slug, readers),
        lastEventId: base,
        spreadMs,
        concurrency: readers,
        connectTimeoutMs: 60_000,
        deadlineMs: 70_000,
      });
      await sleep(spreadMs);
      const live = await publishAtRate(target, slug, firstSeq + behind, liveDuring, 5);
      const opened = await opening;
      const overflows = listenOverflows() - overflowsBefore;
      reportOpenFailures(target, opened);
      await this.recordResume(
        {
          scenario: 'storm',
          target: name,
          readers,
          behind,
          liveDuring: liveDuring - live.errors,
          spreadMs,
          listenOverflows: overflows,
          publishSeconds,
        },
        { opened, cpu, startedAt: waveStart, timeoutMs: 60_000 },
      );
    });
  }

  /** One reader `backlogEvents` entries behind: the time until it has them all. */
  async backlog(name: TargetName): Promise<void> {
    const behind = this.options.backlogEvents;
    if (!TARGET_TRAITS[name].resumes) {
      this.skipped.push({ target: name, scenario: 'backlog', reason: 'no resume' });
      return;
    }
    await this.withTarget(name, 'backlog', async (target) => {
      const slug = 'backlog';
      await target.createBlog(slug);
      console.error(
        `${TARGET_TRAITS[name].label}: publishing ${behind} entries for the backlog reader`,
      );
      const base = await target.publish(slug, entryBody(UNCOUNTED_SEQ, epochMs()));
      const publishSeconds = await publishMany(target, slug, 0, behind, 8);
      await this.fleet.expect({ firstSeq: 0, count: behind, caughtUpCount: behind });
      const cpu = new CpuWindow(() => target.pids());
      const started = epochMs();
      const opened = await this.fleet.open({
        ...this.openOptions(target, slug, 1),
        lastEventId: base,
      });
      reportOpenFailures(target, opened);
      await this.recordResume(
        {
          scenario: 'backlog',
          target: name,
          readers: 1,
          behind,
          liveDuring: 0,
          spreadMs: 0,
          listenOverflows: 0,
          publishSeconds,
        },
        { opened, cpu, startedAt: started, timeoutMs: 30_000 },
      );
    });
  }

  /**
   * Waits until the readers of a storm or backlog run have every event, then adds its row:
   * times from `startedAt`, deliveries and CPU over the window `cpu` opened.
   */
  private async recordResume(
    run: ResumeRun,
    {
      opened,
      cpu,
      startedAt,
      timeoutMs,
    }: { opened: OpenResult; cpu: CpuWindow; startedAt: number; timeoutMs: number },
  ): Promise<void> {
    const completion = await this.fleet.waitForCompletion(timeoutMs);
    const report = await this.fleet.report();
    const window = cpu.finish(this.fleet.processes > 0 ? report.cpuMicros : 0);
    const since = (at?: number) => (at === undefined ? null : (at - startedAt) / 1000);
    const row: ResumeRow = {
      ...run,
      opened: opened.opened,
      failedToOpen: opened.failed,
      openFailures: opened.failures,
      allOpenSeconds: (opened.finishedAt - startedAt) / 1000,
      caughtUpSeconds: since(completion.caughtUpAt),
      completeSeconds: since(completion.completeAt),
      ...tally(report),
      serverCpuSeconds: window.serverMicros / 1e6,
      otherLoadPercent: window.otherLoadPercent,
      generatorCpuSeconds: window.benchMicros / 1e6,
    };
    this.resumeRows.push(row);
    console.error(`  ${describeResume(row)}`);
  }
}

/** Sockets in TIME_WAIT that a storm waits for, so as not to measure the runs before it. */
const TIME_WAIT_QUIET = 1000;
/** Linux keeps a socket in TIME_WAIT for 60 s. */
const TIME_WAIT_MAX_MS = 65_000;

/**
 * Waits (up to a minute) until the connections of the runs before have left TIME_WAIT. Tens
 * of thousands of them, all from one client address on loopback, make the kernel search
 * longer for a free port for each new connection, which a scenario that measures connecting
 * then counts against the server: one storm started right after another took 5.2 s, against
 * 3.3–4.3 s otherwise.
 */
async function timeWaitCleared(): Promise<void> {
  const waiting = socketsInTimeWait();
  if (waiting <= TIME_WAIT_QUIET) return;
  console.error(`  waiting for ${waiting} sockets in TIME_WAIT to clear (at most a minute)`);
  const deadline = performance.now() + TIME_WAIT_MAX_MS;
  while (socketsInTimeWait() > TIME_WAIT_QUIET && performance.now() < deadline) await sleep(1000);
}

function tally(report: PoolReport) {
  return {
    expected: report.expected,
    delivered: report.delivered,
    lost: report.expected - report.delivered,
    duplicated: report.duplicated,
    unexpected: report.unexpected,
    closedEarly: report.closedEarly,
  };
}

function reportOpenFailures(target: Target, opened: OpenResult): void {
  if (opened.failed === 0) return;
  console.error(
    `  ${TARGET_TRAITS[target.name].label}: ${opened.failed} streams failed to open: ` +
      JSON.stringify(opened.failures),
  );
}

/** The target's name, and how it ran where that is not one process on SQLite. */
function targetLabel(target: TargetName, { processes, database }: Deployment): string {
  const how: string[] = [];
  if (processes > 1) how.push(`${processes} ${target === 'nchan' ? 'workers' : 'processes'}`);
  if (target === 'liveblog' && database === 'postgres') how.push('PostgreSQL');
  return [TARGET_TRAITS[target].label, ...how].join(', ');
}

const fixed = (value: number | null | undefined, digits: number) =>
  value === null || value === undefined ? '-' : value.toFixed(digits);

/** Tick-based (10 ms): meaningless over a window shorter than a second. */
function otherLoad(percent: number, seconds: number): string {
  return seconds < 1 ? '-' : `${Math.max(0, percent).toFixed(0)}%`;
}

function describeFanOut(row: FanOutRow): string {
  return (
    `delivered ${row.delivered}/${row.expected}, dup ${row.duplicated}, ` +
    `p99 ${fixed(row.latencyMs?.p99, 0)} ms, CPU ${fixed(row.cpuPerDeliveryMicros, 1)} µs/delivery, ` +
    `${fixed(row.rssPerReaderKiB, 1)} KiB/reader held (${fixed(row.rssConnectedPerReaderKiB, 1)} ` +
    `right after connecting; lowest ${(row.rssOpenLowestAtMs / 1000).toFixed(0)} s into the wait), generator CPU ${row.generatorCpuPercent.toFixed(0)}%, ` +
    `machine busy ${row.machineBusyPercent.toFixed(0)}% (other load ${row.otherLoadPercent.toFixed(0)}%), ` +
    `window ${row.windowSeconds.toFixed(1)} s`
  );
}

function describeResume(row: ResumeRow): string {
  return (
    `caught up in ${fixed(row.caughtUpSeconds, 2)} s, delivered ${row.delivered}/${row.expected}, ` +
    `dup ${row.duplicated}, unexpected ${row.unexpected}`
  );
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column < 1 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join(' | ')} |`;
  console.log(line(rows[0]));
  console.log(
    `|${widths.map((width, column) => (column < 1 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
  );
  for (const row of rows.slice(1)) console.log(line(row));
}

function printFanOut(rows: FanOutRow[]): void {
  const nchanAt = (readers: number) =>
    rows.find((row) => row.target === 'nchan' && row.readers === readers && !row.note);
  // Only when some target ran as several processes, each on its port.
  const split = rows.some((row) => row.latencyOnPublisherMs);
  // Only when some target used PostgreSQL and Redis.
  const services = rows.some((row) => row.servicesCpuMicros !== null);
  const ratio = (value: number | null | undefined, reference: number | null | undefined) =>
    value === null || value === undefined || !reference
      ? '-'
      : `${(value / reference).toFixed(2)}×`;
  const table = [
    [
      'target',
      'readers',
      'connect s',
      'delivered',
      'lost',
      'dup',
      'p50 ms',
      'p99 ms',
      'max ms',
      ...(split ? ['p50 ms on A', 'p50 ms on B'] : []),
      'KiB/reader',
      'KiB/reader on connect',
      'CPU µs/delivery',
      ...(services ? ['services CPU µs/delivery'] : []),
      'publish p50 ms',
      'publish p99 ms',
      'server publish p50 ms',
      'server publish p99 ms',
      'CPU ×nchan',
      'p99 ×nchan',
      'mem ×nchan',
      'generator CPU',
      'other load',
    ],
    ...rows.map((row) => {
      const nchan = nchanAt(row.readers);
      return [
        targetLabel(row.target, row) + (row.note ? ` (${row.note})` : ''),
        row.readers.toLocaleString('en'),
        row.connectSeconds.toFixed(2),
        row.delivered.toLocaleString('en'),
        String(row.lost),
        String(row.duplicated),
        fixed(row.latencyMs?.p50, 1),
        fixed(row.latencyMs?.p99, 1),
        fixed(row.latencyMs?.max, 1),
        ...(split
          ? [fixed(row.latencyOnPublisherMs?.p50, 1), fixed(row.latencyOnOthersMs?.p50, 1)]
          : []),
        row.rssPerReaderKiB.toFixed(1),
        row.rssConnectedPerReaderKiB.toFixed(1),
        fixed(row.cpuPerDeliveryMicros, 1),
        ...(services ? [fixed(row.servicesCpuPerDeliveryMicros, 1)] : []),
        fixed(row.publishMs?.p50, 1),
        fixed(row.publishMs?.p99, 1),
        fixed(row.serverPublishMs?.p50, 0),
        fixed(row.serverPublishMs?.p99, 0),
        ratio(row.cpuPerDeliveryMicros, nchan?.cpuPerDeliveryMicros),
        ratio(row.latencyMs?.p99, nchan?.latencyMs?.p99),
        ratio(row.rssPerReaderKiB, nchan?.rssPerReaderKiB),
        `${row.generatorCpuPercent.toFixed(0)}%`,
        otherLoad(row.otherLoadPercent, row.windowSeconds),
      ];
    }),
  ];
  printTable(table);
  console.log(
    '\nCPU µs/delivery: server CPU (user + system, nginx master and workers) from the first publish ' +
      'until every reader had every entry, per delivered event. generator CPU: readers and ' +
      'publisher, 100% = one core. other load: busy time of the machine from neither the ' +
      'server nor the bench, 100% = all cores. KiB/reader: server RSS with the readers ' +
      'connected less RSS before, per reader, each the lowest reading once it settled (a Node ' +
      `server's for ${GC_SETTLE_MS / 1000} s, until V8 gave back its garbage; with the readers, ` +
      'after the fan-out, which starts right after they connect); on connect: ' +
      `the same within ${QUICK_RSS_MS / 1000} s of the last stream opening, garbage included. ` +
      "server publish: the server's request log (whole ms), from after the body is parsed " +
      'until the answer is handed to the kernel; publish: what the publisher measured.' +
      (split
        ? ' Several processes: CPU and RSS are summed over them; readers connect to each in ' +
          'turn; p50 ms on A: of the readers on the process that takes the publishes, on B: ' +
          'of those on the other(s).'
        : '') +
      (services
        ? " services CPU: PostgreSQL's backends serving the run's database and the Redis " +
          'server, over the same window, per delivered event (not in CPU µs/delivery nor in ' +
          'other load).'
        : ''),
  );
  const noisy = rows.filter((row) => row.otherLoadPercent > 10);
  if (noisy.length > 0) {
    console.log(
      `WARNING: other programs kept the machine busy during ${noisy.length} run(s) ` +
        `(other load up to ${Math.max(...noisy.map((row) => row.otherLoadPercent)).toFixed(0)}%): ` +
        'latencies and connect times there are not comparable.',
    );
  }
}

function printResume(rows: ResumeRow[], deployment: Deployment): void {
  printTable([
    [
      'scenario',
      'target',
      'readers',
      'behind',
      'live during',
      'all open s',
      'SYN drops',
      'caught up s',
      'complete s',
      'delivered',
      'lost',
      'dup',
      'server CPU s',
      'generator CPU s',
      'other load',
    ],
    ...rows.map((row) => [
      row.scenario === 'storm'
        ? `storm: reconnect within ${row.spreadMs / 1000} s`
        : 'backlog: one reader far behind',
      targetLabel(row.target, deployment),
      row.readers.toLocaleString('en'),
      row.behind.toLocaleString('en'),
      String(row.liveDuring),
      row.allOpenSeconds.toFixed(2),
      String(row.listenOverflows),
      fixed(row.caughtUpSeconds, 2),
      fixed(row.completeSeconds, 2),
      `${row.delivered.toLocaleString('en')}/${row.expected.toLocaleString('en')}`,
      String(row.lost),
      String(row.duplicated),
      row.serverCpuSeconds.toFixed(2),
      row.generatorCpuSeconds.toFixed(2),
      otherLoad(row.otherLoadPercent, row.completeSeconds ?? 0),
    ]),
  ]);
}

/** What bounds the run on this machine: open files, ephemeral ports. */
function machineNotes(options: Options): Record<string, string | number> {
  const shell = (command: string) => {
    try {
      return execFileSync('sh', ['-c', command], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  };
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8').trim().replace(/\s+/g, '-');
    } catch {
      return 'unknown';
    }
  };
  const notes = {
    node: process.version,
    cpus: cpus().length,
    openFilesPerProcess: Number(shell('ulimit -n')),
    ephemeralPorts: read('/proc/sys/net/ipv4/ip_local_port_range'),
    tcpTwReuse: read('/proc/sys/net/ipv4/tcp_tw_reuse'),
    clockTicksPerSecond: CLOCK_TICKS_PER_SECOND,
  };
  const most = Math.max(...options.readers, options.storm ? options.stormReaders : 0);
  const perProcess = Math.ceil(most / Math.max(1, options.workers));
  if (Number.isFinite(notes.openFilesPerProcess) && perProcess + 200 > notes.openFilesPerProcess) {
    throw new Error(
      `${perProcess} sockets per generator process exceed the ${notes.openFilesPerProcess} open ` +
        'files a process may hold here: raise --workers',
    );
  }
  // nchan's readers all go to one port: each source address has only so many local ports.
  const [low, high] = notes.ephemeralPorts.split('-').map(Number);
  const perSource = Math.ceil(most / options.sources.length);
  if (high >= low && perSource > (high - low + 1) * 0.9) {
    throw new Error(
      `${perSource} readers per source address near the ${high - low + 1} local ports of ` +
        `${notes.ephemeralPorts}: raise --sources`,
    );
  }
  return notes;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const machine = machineNotes(options);
  console.error(
    `fan-out bench: readers ${options.readers.join(', ')}; ${options.events} events at ` +
      `${options.rate}/s; targets ${options.targets.join(', ')}; ${options.processes} ` +
      `server process(es), ${options.database}; generator: ` +
      `${options.workers || 'no'} worker processes, sources ${options.sources.join(' ')}; ` +
      JSON.stringify(machine),
  );
  const fleet = await startReaderFleet(options.workers);
  const bench = new Bench(options, fleet);
  const startedAt = new Date();
  try {
    if (options.fanout) {
      for (const readers of options.readers) {
        for (const target of options.targets) await bench.fanOutRun(target, readers);
      }
    }
    if (options.storm) {
      for (const target of options.targets) await bench.storm(target);
    }
    if (options.backlog) {
      for (const target of options.targets) await bench.backlog(target);
    }
  } finally {
    await fleet.stop();
    removeLiveblogBuild();
  }

  console.log(
    `\nFan-out: ${options.events} events at ${options.rate}/s to N readers of one blog ` +
      `(loopback, ${machine.cpus} cores shared by server and generator)\n`,
  );
  if (bench.fanOutRows.length > 0) printFanOut(bench.fanOutRows);
  if (bench.resumeRows.length > 0) {
    console.log('\nResume: readers behind catch up from the log\n');
    printResume(bench.resumeRows, options);
  }
  for (const skip of bench.skipped) {
    console.log(`\nskipped ${TARGET_TRAITS[skip.target].label} (${skip.scenario}): ${skip.reason}`);
  }

  const out =
    options.out ??
    join(
      __dirname,
      '..',
      'results',
      `fanout-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`,
    );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    JSON.stringify(
      {
        startedAt: startedAt.toISOString(),
        options,
        machine,
        rows: bench.fanOutRows,
        resume: bench.resumeRows,
        skipped: bench.skipped,
      },
      null,
      2,
    ),
  );
  console.log(`\nrows written to ${out}`);

  const faulty = [...bench.fanOutRows, ...bench.resumeRows].filter(
    (row) => row.lost > 0 || row.duplicated > 0 || row.unexpected > 0,
  );
  const liveblogSkipped = bench.skipped.some((skip) => skip.target === 'liveblog');
  if (faulty.length > 0 || (options.smoke && liveblogSkipped)) {
    for (const row of faulty) {
      console.error(
        `FAIL ${TARGET_TRAITS[row.target].label} ${row.scenario} ${row.readers} readers: ` +
          `lost ${row.lost}, duplicated ${row.duplicated}, unexpected ${row.unexpected}`,
      );
    }
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
