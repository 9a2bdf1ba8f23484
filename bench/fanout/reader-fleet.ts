/**
 * The readers of a run, in this process or split over forked worker processes. Workers keep
 * the generator's parsing off the publisher's event loop, spread it over both cores, and
 * split the sockets so that no process nears the 20,000 open files a process may hold.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import {
  CompletionResult,
  Expectation,
  OpenOptions,
  OpenResult,
  PoolReport,
  SseReaderPool,
} from './sse-reader-pool';

export interface ReaderFleet {
  readonly processes: number;
  open(options: OpenOptions): Promise<OpenResult>;
  expect(expectation: Expectation): Promise<void>;
  waitForCompletion(timeoutMs: number): Promise<CompletionResult>;
  report(): Promise<PoolReport>;
  close(): Promise<void>;
  stop(): Promise<void>;
}

/** What a worker is asked, and answers (reader-worker.ts). */
export type WorkerRequest =
  | { id: number; op: 'open'; options: OpenOptions }
  | { id: number; op: 'expect'; expectation: Expectation }
  | { id: number; op: 'waitForCompletion'; timeoutMs: number }
  | { id: number; op: 'report' }
  | { id: number; op: 'close' };

export interface WorkerAnswer {
  id: number;
  result?: unknown;
  error?: string;
}

class LocalFleet implements ReaderFleet {
  readonly processes = 0;
  private readonly pool = new SseReaderPool();

  open(options: OpenOptions): Promise<OpenResult> {
    return this.pool.open(options);
  }

  expect(expectation: Expectation): Promise<void> {
    this.pool.expect(expectation);
    return Promise.resolve();
  }

  waitForCompletion(timeoutMs: number): Promise<CompletionResult> {
    return this.pool.waitForCompletion(timeoutMs);
  }

  report(): Promise<PoolReport> {
    return Promise.resolve(this.pool.report());
  }

  close(): Promise<void> {
    this.pool.close();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.close();
  }
}

type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;

class Worker {
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();
  readonly exited: Promise<void>;

  constructor(private readonly child: ChildProcess) {
    child.on('message', (answer: WorkerAnswer) => {
      const waiter = this.waiting.get(answer.id);
      this.waiting.delete(answer.id);
      if (answer.error !== undefined) waiter?.reject(new Error(`reader worker: ${answer.error}`));
      else waiter?.resolve(answer.result);
    });
    this.exited = new Promise((resolve) =>
      child.once('exit', (code) => {
        for (const waiter of this.waiting.values()) {
          waiter.reject(new Error(`reader worker exited (${code})`));
        }
        this.waiting.clear();
        resolve();
      }),
    );
  }

  ask<T>(request: Distribute<WorkerRequest>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...request, id });
    });
  }

  async stop(): Promise<void> {
    this.child.disconnect();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

class ForkedFleet implements ReaderFleet {
  /** How many targets the last `open` spread the readers over. */
  private targetCount = 1;

  constructor(private readonly workers: Worker[]) {}

  get processes(): number {
    return this.workers.length;
  }

  /**
   * Reader i of the run goes to worker i mod K: each holds about count / K sockets, and spreads
   * its readers over the targets (the server's processes) itself.
   */
  async open(options: OpenOptions): Promise<OpenResult> {
    const k = this.workers.length;
    this.targetCount = Math.max(1, options.targets.length);
    const results = await Promise.all(
      this.workers.map((worker, w) =>
        worker.ask<OpenResult>({
          op: 'open',
          options: {
            ...options,
            count: Math.floor(options.count / k) + (w < options.count % k ? 1 : 0),
            concurrency: Math.max(1, Math.round(options.concurrency / k)),
            // Worker w's readers take the sources from w on, so all are used whatever K.
            sources: rotate(options.sources, w),
            // And the targets from w on, so that each gets as many readers whatever K.
            targets: rotate(options.targets, w),
          },
        }),
      ),
    );
    const failures: Record<string, number> = {};
    for (const result of results) {
      for (const [why, n] of Object.entries(result.failures))
        failures[why] = (failures[why] ?? 0) + n;
    }
    return {
      opened: sum(results.map((r) => r.opened)),
      failed: sum(results.map((r) => r.failed)),
      startedAt: Math.min(...results.map((r) => r.startedAt)),
      finishedAt: Math.max(...results.map((r) => r.finishedAt)),
      failures,
    };
  }

  async expect(expectation: Expectation): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.ask({ op: 'expect', expectation })));
  }

  async waitForCompletion(timeoutMs: number): Promise<CompletionResult> {
    const results = (
      await Promise.all(
        this.workers.map((worker) =>
          worker.ask<CompletionResult>({ op: 'waitForCompletion', timeoutMs }),
        ),
      )
    ).filter((result) => result.readers > 0);
    return {
      readers: sum(results.map((r) => r.readers)),
      completeAt: latest(results.map((r) => r.completeAt)),
      caughtUpAt: latest(results.map((r) => r.caughtUpAt)),
    };
  }

  async report(): Promise<PoolReport> {
    const reports = await Promise.all(
      this.workers.map((worker) => worker.ask<PoolReport>({ op: 'report' })),
    );
    const latencies = concat(reports.map((report) => report.latencies));
    // Worker w's target t is the run's target (t + w) mod n (see `open`).
    const n = this.targetCount;
    const latenciesByTarget = Array.from({ length: n }, (_, target) =>
      concat(
        reports.map(
          (report, w) => report.latenciesByTarget[(target - (w % n) + n) % n] ?? new Float64Array(),
        ),
      ),
    );
    return {
      readers: sum(reports.map((r) => r.readers)),
      expected: sum(reports.map((r) => r.expected)),
      delivered: sum(reports.map((r) => r.delivered)),
      duplicated: sum(reports.map((r) => r.duplicated)),
      unexpected: sum(reports.map((r) => r.unexpected)),
      closedEarly: sum(reports.map((r) => r.closedEarly)),
      latencies,
      latenciesByTarget,
      cpuMicros: sum(reports.map((r) => r.cpuMicros)),
    };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.ask({ op: 'close' })));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}

/** `processes` 0: readers in this process; otherwise that many forked workers. */
export async function startReaderFleet(processes: number): Promise<ReaderFleet> {
  if (processes === 0) return new LocalFleet();
  const workers = Array.from(
    { length: processes },
    () =>
      new Worker(
        fork(join(__dirname, 'reader-worker.ts'), [], {
          // The bench runs under ts-node; its workers need no type check of their own.
          execArgv: ['-r', require.resolve('ts-node/register/transpile-only')],
          serialization: 'advanced',
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        }),
      ),
  );
  const fleet = new ForkedFleet(workers);
  // Ready once each answers.
  await fleet.expect({ firstSeq: 0, count: 0, caughtUpCount: 0 });
  return fleet;
}

/** `values` from index `from` on, then those before it. */
function rotate<T>(values: T[], from: number): T[] {
  return values.map((_, i, all) => all[(i + from) % all.length]);
}

function concat(arrays: Float64Array[]): Float64Array {
  const joined = new Float64Array(sum(arrays.map((array) => array.length)));
  let at = 0;
  for (const array of arrays) {
    joined.set(array, at);
    at += array.length;
  }
  return joined;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function latest(values: Array<number | undefined>): number | undefined {
  return values.length === 0 || values.some((value) => value === undefined)
    ? undefined
    : Math.max(...(values as number[]));
}
