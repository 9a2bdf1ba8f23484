/**
 * The soak's view of the server from outside: the figures server-probe.cjs reports (heap after
 * a full collection, RSS, descriptors, active handles by kind), and how two quiet moments and
 * the minutes under load between them are judged.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Node's flags for a server the soak can probe. */
export const PROBED_NODE_ARGS = ['--expose-gc', '-r', join(__dirname, 'server-probe.cjs')];

export interface ServerFigures {
  heapUsed: number;
  heapTotal: number;
  rss: number;
  external: number;
  arrayBuffers: number;
  descriptors: number;
  /** Live timers (setTimeout not yet fired, setInterval not cleared), unref'd ones too. */
  timers: number;
  /** process.getActiveResourcesInfo() counted by kind: Timeout, TCPSocketWrap, FSReqCallback… */
  resources: Record<string, number>;
}

export interface Sample extends ServerFigures {
  /** `start` and `end`: no load, no reader; `load N`: under the full load. */
  label: string;
  /** Seconds since the soak's load started (after the warm-up). */
  atSeconds: number;
  /** Reader sessions open all through the probe. */
  openReaders: number;
}

const PROBE_TIMEOUT_MS = 30_000;
let probes = 0;

/** Asks the server's preloaded probe for its figures (two full collections first). */
export function probeServer(child: ChildProcess): Promise<ServerFigures> {
  const probe = ++probes;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error('the server did not answer the probe in 30 s'));
    }, PROBE_TIMEOUT_MS);
    const onMessage = (message: { probe?: number; figures?: ServerFigures }) => {
      if (message.probe !== probe || !message.figures) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(message.figures);
    };
    child.on('message', onMessage);
    child.send({ probe });
  });
}

export const timersOf = (figures: ServerFigures) => figures.timers;
export const socketsOf = (figures: ServerFigures) => figures.resources.TCPSocketWrap ?? 0;

export interface HeapTrend {
  /** Bytes per second of load, the open readers held constant. */
  slope: number;
  /** Bytes per open reader. */
  perReader: number;
  /** The largest distance of a sample from the fit: the noise. */
  spread: number;
}

/**
 * Least squares of heap = a + slope × time + perReader × open readers over the samples under
 * load: how many streams happen to be open at a sample (churn leaves hundreds opening) moves
 * the heap by megabytes, which a line through time alone would take for growth or noise.
 * With too few samples to tell the two apart, time alone.
 */
export function heapTrend(samples: Sample[]): HeapTrend {
  const rows = samples.map((sample) => [1, sample.atSeconds, sample.openReaders]);
  const heaps = samples.map((sample) => sample.heapUsed);
  const solved = samples.length > 3 ? leastSquares(rows, heaps) : undefined;
  const [a, slope, perReader] = solved ??
    leastSquares(
      rows.map((row) => row.slice(0, 2)),
      heaps,
    )?.concat(0) ?? [0, 0, 0];
  const spread = Math.max(
    0,
    ...rows.map(([, t, readers], i) => Math.abs(heaps[i] - (a + slope * t + perReader * readers))),
  );
  return { slope, perReader, spread };
}

/** The coefficients minimizing the squared error of rows × c = ys; undefined if not one. */
function leastSquares(rows: number[][], ys: number[]): number[] | undefined {
  const k = rows[0]?.length ?? 0;
  if (rows.length < k) return undefined;
  // The normal equations (RᵀR) c = Rᵀy, by Gaussian elimination with partial pivoting.
  const m = Array.from({ length: k }, (_, i) => [
    ...Array.from({ length: k }, (_, j) => rows.reduce((sum, row) => sum + row[i] * row[j], 0)),
    rows.reduce((sum, row, r) => sum + row[i] * ys[r], 0),
  ]);
  for (let col = 0; col < k; col++) {
    let pivot = col;
    for (let r = col + 1; r < k; r++) if (Math.abs(m[r][col]) > Math.abs(m[pivot][col])) pivot = r;
    if (Math.abs(m[pivot][col]) < 1e-9 * Math.max(1, Math.abs(m[0][0]))) return undefined;
    [m[col], m[pivot]] = [m[pivot], m[col]];
    for (let r = 0; r < k; r++) {
      if (r === col) continue;
      const factor = m[r][col] / m[col][col];
      for (let c = col; c <= k; c++) m[r][c] -= factor * m[col][c];
    }
  }
  return m.map((row, i) => row[k] / row[i]);
}

/**
 * Descriptors the server may hold at the end and not at the start without leaking: a file it
 * opens once, lazily, and keeps (none seen: every run so far ended on the start's count
 * exactly). A descriptor leaked per connection shows as hundreds, even in the one-minute run.
 */
export const DESCRIPTOR_SLACK = 2;

/**
 * Heap growth between the quiet start and end that always counts as none, bytes. Quiet against
 * quiet, the runs so far differ by -0.1 to +0.3 MiB, and the stream's recent-events cache
 * legitimately adds up to ~1 MiB until it is full; under load, samples stray 0.2–0.4 MiB from
 * the fitted trend. 4 MiB is ~1.5 KiB for each of the ~2,800 sessions of the one-minute run: a
 * leak per session of that size fails it (a deliberate 20 KiB one showed as +23 MiB).
 */
export const HEAP_GROWTH_FLOOR = 4 * 1024 * 1024;

export interface Verdict {
  /** Heap after gc under load: spread around its trend (the noise) and slope (see heapTrend). */
  heapNoiseBytes: number;
  heapSlopeMBPerHour: number;
  /** What each open reader adds to the heap under load, by the same fit. */
  heapPerReaderKiB: number;
  heapGrowthBytes: number;
  /** What heap growth counts as no growth: the larger of twice the noise and HEAP_GROWTH_FLOOR. */
  heapAllowanceBytes: number;
  rssGrowthBytes: number;
  /** Buffers outside the heap (the recent-events cache fills up to its bound: not judged). */
  arrayBuffersGrowthBytes: number;
  descriptorGrowth: number;
  timerGrowth: number;
  /** Connections the server still holds at the end. */
  socketsAtEnd: number;
  heapHeld: boolean;
  descriptorsHeld: boolean;
  timersHeld: boolean;
  socketsHeld: boolean;
}

/** The end against the start (both quiet, after a full gc), and the trend under load. */
export function judge(start: Sample, underLoad: Sample[], end: Sample): Verdict {
  const { slope, perReader, spread } = heapTrend(underLoad);
  const heapGrowthBytes = end.heapUsed - start.heapUsed;
  const heapAllowanceBytes = Math.max(2 * spread, HEAP_GROWTH_FLOOR);
  const descriptorGrowth = end.descriptors - start.descriptors;
  const timerGrowth = timersOf(end) - timersOf(start);
  return {
    heapNoiseBytes: spread,
    heapSlopeMBPerHour: (slope * 3600) / (1024 * 1024),
    heapPerReaderKiB: perReader / 1024,
    heapGrowthBytes,
    heapAllowanceBytes,
    rssGrowthBytes: end.rss - start.rss,
    arrayBuffersGrowthBytes: end.arrayBuffers - start.arrayBuffers,
    descriptorGrowth,
    timerGrowth,
    socketsAtEnd: socketsOf(end),
    heapHeld: heapGrowthBytes <= heapAllowanceBytes,
    descriptorsHeld: descriptorGrowth <= DESCRIPTOR_SLACK,
    timersHeld: timerGrowth <= 0,
    // Every reader and client of the bench has gone: the server holds no connection at all.
    socketsHeld: socketsOf(end) === 0,
  };
}
