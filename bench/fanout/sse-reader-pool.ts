/**
 * The load generator's readers: many SSE streams on raw sockets (node:net), parsed
 * incrementally and cheaply, because the generator shares two cores with the server it
 * measures. Per read: one shared buffer (`onread`, no allocation), one clock reading, then a
 * byte-level walk: HTTP/1.1 head once, chunked or close-delimited body, SSE lines, and in each
 * `data:` line the first `@@<seq>:<publish time in µs>@@` marker the publisher put in the
 * entry's body. Nothing else of a frame is decoded: no strings, no JSON.
 *
 * Event ids differ between the targets (Liveblog's log ids, nchan's `time:tag`), so readers
 * count events by the marker's sequence number: one publish = one sequence number.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';

export interface StreamTarget {
  host: string;
  port: number;
  /** Path and query of the stream, e.g. `/blogs/bench/events`. */
  path: string;
}

export interface OpenOptions {
  /**
   * The stream on each of the server's processes: reader i connects to `targets[i mod n]`, so
   * the readers spread evenly over them (one target: a single process, or one port for all).
   */
  targets: StreamTarget[];
  count: number;
  /** Sent as `Last-Event-ID` when given. */
  lastEventId?: string;
  /** Local addresses to connect from, taken in turn (127.0.0.0/8 is all this host). */
  sources: string[];
  /** Connections opening at once at most (from connect until the response head). */
  concurrency: number;
  /** Start the connections evenly over this many ms instead (a reconnect storm); 0: as fast as `concurrency` allows. */
  spreadMs: number;
  /** A connection whose response head has not come by then fails. */
  connectTimeoutMs: number;
  /** The whole opening fails what is not open by then. */
  deadlineMs: number;
}

export interface OpenResult {
  opened: number;
  failed: number;
  /** Epoch ms (performance.timeOrigin based) when opening started and when the last one opened. */
  startedAt: number;
  finishedAt: number;
  /** Why connections failed: `status 429`, `timeout`, `ECONNRESET`... with their counts. */
  failures: Record<string, number>;
}

/** Which sequence numbers every reader should get, each exactly once. */
export interface Expectation {
  firstSeq: number;
  count: number;
  /** A reader has caught up once it has the first `caughtUpCount` of them. */
  caughtUpCount: number;
}

export interface CompletionResult {
  /** Readers of this pool: a pool of none completes vacuously and has no times. */
  readers: number;
  /** Epoch ms when the last reader had all expected events / the first `caughtUpCount`. */
  completeAt?: number;
  caughtUpAt?: number;
}

export interface PoolReport {
  readers: number;
  expected: number;
  delivered: number;
  duplicated: number;
  /** Markers outside the expected range (e.g. a replay of older events). */
  unexpected: number;
  /** Streams the server ended or reset after they opened. */
  closedEarly: number;
  /** Publish-to-receipt latency (ms) of each first delivery. */
  latencies: Float64Array;
  /** The same, split by the target (index in `OpenOptions.targets`) the reader connected to. */
  latenciesByTarget: Float64Array[];
  /** CPU this process used since `expect`, µs. */
  cpuMicros: number;
}

/** Epoch time in ms with a fraction, comparable between processes on this host. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

const MARKER = Buffer.from('@@');
const LF = 0x0a;
const CR = 0x0d;
const AT = 0x40;
const COLON = 0x3a;
const DATA_PREFIX = Buffer.from('data:');
const HEAD_END = '\r\n\r\n';
const MAX_HEAD_BYTES = 16 * 1024;
/** One buffer for every socket's reads: each read is parsed to the end before the next. */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);

const enum Body {
  Head,
  /** Chunked: reading the chunk-size line. */
  ChunkSize,
  /** Chunked: skipping a chunk extension up to the end of the size line. */
  ChunkExtension,
  ChunkData,
  /** Chunked: the CRLF after a chunk's data. */
  ChunkEnd,
  /** Neither chunked nor with a length: the body ends when the connection does. */
  UntilClose,
  Done,
}

class Reader {
  socket?: net.Socket;
  state = Body.Head;
  head = '';
  chunkSize = 0;
  chunkLeft = 0;
  /** A line cut by the end of a read, copied out of the shared buffer. */
  carry: Buffer | null = null;
  opened = false;
  retired = false;
  distinct = 0;
  caughtUpDistinct = 0;
  connectStartedAt = 0;

  constructor(readonly index: number) {}
}

/** Opens readers, counts what each receives, and reports; one instance per process. */
export class SseReaderPool {
  private readers: Reader[] = [];
  /** How many targets the readers of the last `open` were spread over. */
  private targetCount = 1;
  private expectation: Expectation = { firstSeq: 0, count: 0, caughtUpCount: 0 };
  private counts = new Uint8Array(0);
  private latencies = new Float64Array(0);
  private delivered = 0;
  private duplicated = 0;
  private unexpected = 0;
  private closedEarly = 0;
  private complete = 0;
  private caughtUp = 0;
  /** Readers that can no longer complete: failed to open or closed early. */
  private dead = 0;
  private completeAt?: number;
  private caughtUpAt?: number;
  private cpuAtExpect = process.cpuUsage();
  /** The time of the read being parsed. */
  private now = 0;
  private completionWaiters: Array<() => void> = [];
  /** The opening in progress: its tally, and what to do as each connection settles. */
  private openResult?: {
    result: OpenResult;
    /** A connection opened or failed: start the next one, or finish. */
    settle: () => void;
  };

  get size(): number {
    return this.readers.length;
  }

  /** Opens `count` streams (closing any open ones first) and resolves once all are open or failed. */
  open(options: OpenOptions): Promise<OpenResult> {
    this.close();
    this.readers = Array.from({ length: options.count }, (_, index) => new Reader(index));
    this.targetCount = Math.max(1, options.targets.length);
    // Counting starts over for the new readers, against the expectation already set.
    this.expect(this.expectation);
    const requests = options.targets.map((target) =>
      Buffer.from(
        `GET ${target.path} HTTP/1.1\r\n` +
          `Host: ${target.host}:${target.port}\r\n` +
          'Accept: text/event-stream\r\n' +
          'Cache-Control: no-cache\r\n' +
          (options.lastEventId === undefined ? '' : `Last-Event-ID: ${options.lastEventId}\r\n`) +
          '\r\n',
        'latin1',
      ),
    );
    const result: OpenResult = {
      opened: 0,
      failed: 0,
      startedAt: epochMs(),
      finishedAt: 0,
      failures: {},
    };
    return new Promise<OpenResult>((resolve) => {
      let next = 0;
      let inFlight = 0;
      let timer: NodeJS.Timeout | undefined;
      const launch = () => {
        const reader = this.readers[next];
        next += 1;
        inFlight += 1;
        this.connect(reader, options, requests);
      };
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        clearTimeout(deadline);
        // What never started, or never opened by the deadline, fails.
        for (const reader of this.readers) {
          if (!reader.opened && !reader.retired) this.fail(reader, 'deadline');
        }
        this.openResult = undefined;
        result.finishedAt = epochMs();
        resolve(result);
      };
      const deadline = setTimeout(finish, options.deadlineMs);
      let pending = options.count;
      this.openResult = {
        result,
        settle: () => {
          if (finished) return;
          inFlight -= 1;
          pending -= 1;
          if (pending === 0) finish();
          else if (options.spreadMs === 0 && next < options.count) launch();
        },
      };
      if (options.count === 0) return finish();
      if (options.spreadMs > 0) {
        const started = performance.now();
        const tick = () => {
          const due = Math.min(
            options.count,
            Math.ceil(((performance.now() - started) / options.spreadMs) * options.count),
          );
          while (next < due) launch();
          if (next >= options.count) clearInterval(timer);
        };
        timer = setInterval(tick, 2);
        tick();
      } else {
        while (next < options.count && inFlight < options.concurrency) launch();
      }
    });
  }

  private connect(reader: Reader, options: OpenOptions, requests: Buffer[]): void {
    reader.connectStartedAt = epochMs();
    const source = options.sources[reader.index % options.sources.length];
    const targetIndex = reader.index % this.targetCount;
    const target = options.targets[targetIndex];
    const request = requests[targetIndex];
    const socket = net.connect({
      host: target.host,
      port: target.port,
      localAddress: source === '127.0.0.1' ? undefined : source,
      onread: {
        buffer: READ_BUFFER,
        callback: (bytes: number, buffer: Uint8Array) => {
          if (!reader.retired) this.onRead(reader, buffer as Buffer, bytes);
          return true;
        },
      },
    });
    reader.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(options.connectTimeoutMs);
    socket.once('connect', () => socket.write(request));
    socket.once('timeout', () => {
      if (!reader.opened) this.fail(reader, 'timeout');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (!reader.opened) this.fail(reader, error.code ?? error.message);
    });
    socket.once('close', () => {
      if (reader.retired) return;
      if (!reader.opened) return this.fail(reader, 'closed before the head');
      this.endedEarly(reader);
    });
  }

  private fail(reader: Reader, why: string): void {
    if (reader.retired || reader.opened) return;
    reader.retired = true;
    reader.socket?.destroy();
    this.dead += 1;
    const open = this.openResult;
    if (!open) return;
    open.result.failed += 1;
    open.result.failures[why] = (open.result.failures[why] ?? 0) + 1;
    open.settle();
  }

  private endedEarly(reader: Reader): void {
    reader.retired = true;
    reader.state = Body.Done;
    this.closedEarly += 1;
    if (reader.distinct < this.expectation.count) {
      this.dead += 1;
      this.checkCompletion();
    }
  }

  private onRead(reader: Reader, buffer: Buffer, bytes: number): void {
    this.now = epochMs();
    let start = 0;
    if (reader.state === Body.Head) {
      start = this.readHead(reader, buffer, bytes);
      if (start < 0) return;
    }
    this.readBody(reader, buffer, start, bytes);
  }

  /** Where the body starts in this read, or -1 when the head is not complete (or failed). */
  private readHead(reader: Reader, buffer: Buffer, bytes: number): number {
    const before = reader.head.length;
    reader.head += buffer.toString('latin1', 0, bytes);
    const end = reader.head.indexOf(HEAD_END);
    if (end < 0) {
      if (reader.head.length > MAX_HEAD_BYTES) this.fail(reader, 'head too long');
      return -1;
    }
    const head = reader.head.slice(0, end);
    reader.head = '';
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 'garbled';
    if (status !== '200') {
      this.fail(reader, `status ${status}`);
      return -1;
    }
    const chunked = /\r\ntransfer-encoding:[^\r]*chunked/i.test(head);
    if (!chunked && /\r\ncontent-length:/i.test(head)) {
      this.fail(reader, 'a stream with a Content-Length');
      return -1;
    }
    reader.state = chunked ? Body.ChunkSize : Body.UntilClose;
    reader.opened = true;
    reader.socket?.setTimeout(0);
    const open = this.openResult;
    if (open) {
      open.result.opened += 1;
      open.settle();
    }
    return end + HEAD_END.length - before;
  }

  private readBody(reader: Reader, buffer: Buffer, start: number, end: number): void {
    let at = start;
    while (at < end) {
      switch (reader.state) {
        case Body.UntilClose:
          this.readLines(reader, buffer, at, end);
          return;
        case Body.ChunkData: {
          const until = Math.min(end, at + reader.chunkLeft);
          this.readLines(reader, buffer, at, until);
          reader.chunkLeft -= until - at;
          at = until;
          if (reader.chunkLeft === 0) reader.state = Body.ChunkEnd;
          break;
        }
        case Body.ChunkSize: {
          const byte = buffer[at++];
          if (byte === LF) {
            if (reader.chunkSize === 0) {
              reader.state = Body.Done; // the last chunk: the server ended the stream
              return;
            }
            reader.chunkLeft = reader.chunkSize;
            reader.chunkSize = 0;
            reader.state = Body.ChunkData;
          } else if (byte === 0x3b /* ; */) {
            reader.state = Body.ChunkExtension;
          } else if (byte !== CR) {
            reader.chunkSize = reader.chunkSize * 16 + hexValue(byte);
          }
          break;
        }
        case Body.ChunkExtension:
          if (buffer[at++] === LF) {
            reader.chunkLeft = reader.chunkSize;
            reader.chunkSize = 0;
            reader.state = reader.chunkLeft === 0 ? Body.Done : Body.ChunkData;
          }
          break;
        case Body.ChunkEnd:
          if (buffer[at++] === LF) reader.state = Body.ChunkSize;
          break;
        case Body.Head:
        case Body.Done:
          return;
      }
    }
  }

  /** Splits [start, end) into lines; a line cut by `end` waits in `carry` for the next read. */
  private readLines(reader: Reader, buffer: Buffer, start: number, end: number): void {
    let at = start;
    if (reader.carry) {
      const lineEnd = buffer.indexOf(LF, at);
      if (lineEnd < 0 || lineEnd >= end) {
        reader.carry = Buffer.concat([reader.carry, buffer.subarray(at, end)]);
        return;
      }
      const line = Buffer.concat([reader.carry, buffer.subarray(at, lineEnd)]);
      reader.carry = null;
      this.readLine(reader, line, 0, line.length);
      at = lineEnd + 1;
    }
    while (at < end) {
      const lineEnd = buffer.indexOf(LF, at);
      if (lineEnd < 0 || lineEnd >= end) {
        reader.carry = Buffer.from(buffer.subarray(at, end));
        return;
      }
      this.readLine(reader, buffer, at, lineEnd);
      at = lineEnd + 1;
    }
  }

  private readLine(reader: Reader, buffer: Buffer, start: number, end: number): void {
    // Only `data:` lines can hold a marker; one marker counts per line (the entry's body comes
    // before its html, which repeats it).
    if (end - start < 8 || buffer[start] !== DATA_PREFIX[0] || buffer[start + 4] !== COLON) return;
    const marker = buffer.indexOf(MARKER, start + 5);
    if (marker < 0 || marker >= end) return;
    let at = marker + 2;
    let seq = 0;
    let byte = buffer[at];
    while (at < end && byte !== COLON) {
      seq = seq * 10 + (byte - 0x30);
      byte = buffer[++at];
    }
    let micros = 0;
    byte = buffer[++at];
    while (at < end && byte !== AT) {
      micros = micros * 10 + (byte - 0x30);
      byte = buffer[++at];
    }
    if (at >= end) return;
    this.record(reader, seq, micros);
  }

  private record(reader: Reader, seq: number, publishedMicros: number): void {
    const { firstSeq, count, caughtUpCount } = this.expectation;
    const k = seq - firstSeq;
    if (k < 0 || k >= count) {
      this.unexpected += 1;
      return;
    }
    const slot = reader.index * count + k;
    const seen = this.counts[slot];
    if (seen !== 0) {
      if (seen < 255) this.counts[slot] = seen + 1;
      this.duplicated += 1;
      return;
    }
    this.counts[slot] = 1;
    this.latencies[slot] = this.now - publishedMicros / 1000;
    this.delivered += 1;
    reader.distinct += 1;
    if (k < caughtUpCount) {
      reader.caughtUpDistinct += 1;
      if (reader.caughtUpDistinct === caughtUpCount) {
        this.caughtUp += 1;
        if (this.caughtUp === this.readers.length) this.caughtUpAt = this.now;
      }
    }
    if (reader.distinct === count) {
      this.complete += 1;
      this.checkCompletion();
    }
  }

  private checkCompletion(): void {
    if (this.expectation.count === 0 || this.complete + this.dead < this.readers.length) return;
    this.completeAt ??= this.now || epochMs();
    for (const resolve of this.completionWaiters.splice(0)) resolve();
  }

  /**
   * Starts counting: every reader should now get `count` events from `firstSeq` on (also the
   * readers a later `open` makes, so a reconnect storm can be expected before it starts).
   */
  expect(expectation: Expectation): void {
    this.expectation = expectation;
    const slots = this.readers.length * expectation.count;
    this.counts = new Uint8Array(slots);
    this.latencies = new Float64Array(slots);
    this.delivered = 0;
    this.duplicated = 0;
    this.unexpected = 0;
    this.closedEarly = 0;
    this.complete = 0;
    this.caughtUp = 0;
    this.completeAt = undefined;
    this.caughtUpAt = undefined;
    this.dead = 0;
    for (const reader of this.readers) {
      reader.distinct = 0;
      reader.caughtUpDistinct = 0;
      // Failed or ended: it gets nothing more. (Still opening: it may yet.)
      if (reader.retired) this.dead += 1;
    }
    this.cpuAtExpect = process.cpuUsage();
  }

  /** Resolves once every live reader has every expected event, or at the deadline. */
  waitForCompletion(timeoutMs: number): Promise<CompletionResult> {
    return new Promise<CompletionResult>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve({
          readers: this.readers.length,
          completeAt: this.completeAt,
          caughtUpAt: this.caughtUpAt,
        });
      };
      const timer = setTimeout(() => {
        this.completionWaiters = this.completionWaiters.filter((waiter) => waiter !== done);
        done();
      }, timeoutMs);
      this.completionWaiters.push(done);
      this.checkCompletion();
    });
  }

  report(): PoolReport {
    const latencies = new Float64Array(this.delivered);
    const byTarget = Array.from({ length: this.targetCount }, () => [] as number[]);
    const perReader = Math.max(1, this.expectation.count);
    let filled = 0;
    for (let slot = 0; slot < this.counts.length; slot++) {
      if (this.counts[slot] === 0) continue;
      latencies[filled++] = this.latencies[slot];
      // Slot = reader index × count + k; reader i connected to target i mod n.
      byTarget[Math.floor(slot / perReader) % this.targetCount].push(this.latencies[slot]);
    }
    const cpu = process.cpuUsage(this.cpuAtExpect);
    return {
      readers: this.readers.length,
      expected: this.readers.length * this.expectation.count,
      delivered: this.delivered,
      duplicated: this.duplicated,
      unexpected: this.unexpected,
      closedEarly: this.closedEarly,
      latencies,
      latenciesByTarget: byTarget.map((values) => Float64Array.from(values)),
      cpuMicros: cpu.user + cpu.system,
    };
  }

  /** Hangs up every stream. */
  close(): void {
    for (const reader of this.readers) {
      reader.retired = true;
      reader.socket?.destroy();
    }
    this.readers = [];
  }
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x57;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x37;
  return 0;
}
