import { EventSource } from 'eventsource';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import net from 'node:net';
import type { TestApp } from './test-app';

/** How long a helper waits for a condition before it fails the test (an upper bound only). */
export const WAIT_MS = 10_000;

/**
 * The ephemeral event types (contract: views, readers): no `id:`, never replayed, interleaved
 * with the durable events at any time once a stream is live.
 */
export const EPHEMERAL_TYPES: readonly string[] = ['views', 'readers'];

/** One ephemeral frame exactly as the contract puts it on the wire: no `id:` line. */
const EPHEMERAL_FRAME = /^event: (?:views|readers)\ndata: [^\n]*\n\n$/;

function isEphemeral(event: { event?: string }): boolean {
  return EPHEMERAL_TYPES.includes(event.event ?? '');
}

/** The stream's URL of a blog, with `?after=` when given. */
export function streamUrl(testApp: Pick<TestApp, 'url'>, slug: string, after?: string): string {
  const query = after === undefined ? '' : `?after=${encodeURIComponent(after)}`;
  return `${testApp.url}/blogs/${encodeURIComponent(slug)}/events${query}`;
}

/**
 * Resolves once `condition()` holds, checking it every `intervalMs`; fails after `timeoutMs`
 * with `describe()` in the message. Only for state that has no event to wait on (counters).
 */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  describe: () => string,
  timeoutMs = WAIT_MS,
  intervalMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Rejects with a clear message when `promise` has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
}

/**
 * Collects what an SSE body holds: its exact bytes, the events (parsed the WHATWG way by
 * eventsource-parser), comments and retry fields, and whether it has ended. Waiting for a
 * condition is driven by the arriving bytes, with a timeout as upper bound only.
 */
class SseBody {
  readonly chunks: Buffer[] = [];
  readonly events: EventSourceMessage[] = [];
  readonly comments: string[] = [];
  readonly retries: number[] = [];
  readonly parseErrors: string[] = [];
  ended = false;
  private byteCount = 0;
  private readonly waiters = new Set<Waiter>();
  private readonly decoder = new TextDecoder();
  private readonly parser = createParser({
    onEvent: (event) => this.events.push(event),
    onComment: (comment) => this.comments.push(comment),
    onRetry: (retry) => this.retries.push(retry),
    onError: (error) => this.parseErrors.push(error.message),
  });

  get bytes(): number {
    return this.byteCount;
  }

  /** The body so far as text. */
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }

  /** Ids of the events that carry one (durable events and resets), as numbers. */
  get ids(): number[] {
    return this.events.filter((event) => event.id !== undefined).map((event) => Number(event.id));
  }

  /** The durable entry events (`post`, `update`, `delete`), in arrival order. */
  get entryEvents(): EventSourceMessage[] {
    return this.events.filter((event) => ['post', 'update', 'delete'].includes(event.event ?? ''));
  }

  /** Every event but the ephemeral ones (entry events and resets), in arrival order. */
  get durableEvents(): EventSourceMessage[] {
    return this.events.filter((event) => !isEphemeral(event));
  }

  /** The ephemeral `views` and `readers` events, in arrival order. */
  get ephemeralEvents(): EventSourceMessage[] {
    return this.events.filter(isEphemeral);
  }

  /** The figures of the `readers` events, in arrival order. */
  get readerCounts(): number[] {
    return this.events
      .filter((event) => event.event === 'readers')
      .map((event) => (JSON.parse(event.data) as { readers: number }).readers);
  }

  /** The `counts` of the `views` events, in arrival order. */
  get viewCounts(): Array<Record<string, number>> {
    return this.events
      .filter((event) => event.event === 'views')
      .map((event) => (JSON.parse(event.data) as { counts: Record<string, number> }).counts);
  }

  /**
   * The body's text without its ephemeral frames: the exact bytes of everything else (retry,
   * comments, durable events). Only a frame of exactly the ephemeral shape (`event:` and one
   * `data:` line, no `id:`) is left out, so a malformed one still shows up here.
   */
  get durableText(): string {
    return this.text
      .split(/(?<=\n\n)/)
      .filter((block) => !EPHEMERAL_FRAME.test(block))
      .join('');
  }

  protected push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.byteCount += chunk.length;
    this.parser.feed(this.decoder.decode(chunk, { stream: true }));
    this.settleWaiters();
  }

  protected end(): void {
    if (this.ended) return;
    this.ended = true;
    this.settleWaiters();
  }

  /** Resolves once `condition(this)` holds; fails after `timeoutMs` showing what arrived. */
  waitFor(condition: (body: this) => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => condition(this),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; ${this.summary()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Waits until the event with this id has arrived. */
  waitForId(id: number, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor((body) => body.ids.includes(id), `the event with id ${id}`, timeoutMs);
  }

  /** Waits until at least `count` entry events have arrived. */
  waitForEntryEvents(count: number, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor(
      (body) => body.entryEvents.length >= count,
      `${count} entry events`,
      timeoutMs,
    );
  }

  /** Waits until the latest `readers` event says `count`. */
  waitForReaders(count: number, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor(
      (body) => body.readerCounts.at(-1) === count,
      `a readers event of ${count}`,
      timeoutMs,
    );
  }

  /** Waits until a `views` event gives this entry this total. */
  waitForViews(postId: number, total: number, timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor(
      (body) => body.viewCounts.some((counts) => counts[postId] === total),
      `a views event giving entry ${postId} ${total} views`,
      timeoutMs,
    );
  }

  /** Waits until the server has ended (or dropped) the stream. */
  waitForEnd(timeoutMs = WAIT_MS): Promise<void> {
    return this.waitFor((body) => body.ended, 'the end of the stream', timeoutMs);
  }

  summary(): string {
    const last = this.events
      .slice(-5)
      .map((event) => `${event.event ?? 'message'}#${event.id ?? '-'}`)
      .join(', ');
    return `got ${this.bytes} bytes, ${this.events.length} events (last: ${last || 'none'}), readers ${JSON.stringify(this.readerCounts)}, ${this.viewCounts.length} views events, ${this.comments.length} comments, ended: ${this.ended}`;
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

export interface OpenOptions {
  /** Extra request headers, e.g. `Last-Event-ID` or `Accept-Encoding`. */
  headers?: Record<string, string>;
  /** An http.Agent; by default a connection of its own (`agent: false`). */
  agent?: http.Agent | false;
  timeoutMs?: number;
}

/** One stream read with node:http, byte for byte. */
export class RawSseReader extends SseBody {
  private constructor(
    private readonly request: http.ClientRequest,
    readonly response: IncomingMessage,
  ) {
    super();
    response.on('data', (chunk: Buffer) => this.push(chunk));
    response.on('end', () => this.end());
    response.on('close', () => this.end());
    response.on('error', () => this.end());
  }

  get status(): number {
    return this.response.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.response.headers;
  }

  /** Sends the GET and resolves once the response's headers have arrived. */
  static open(url: string, options: OpenOptions = {}): Promise<RawSseReader> {
    const timeoutMs = options.timeoutMs ?? WAIT_MS;
    return new Promise<RawSseReader>((resolve, reject) => {
      const request = http.get(url, {
        agent: options.agent ?? false,
        headers: { Accept: 'text/event-stream', ...options.headers },
      });
      const timer = setTimeout(() => {
        request.destroy();
        reject(new Error(`No response headers within ${timeoutMs} ms from ${url}`));
      }, timeoutMs);
      request.once('response', (response) => {
        clearTimeout(timer);
        resolve(new RawSseReader(request, response));
      });
      request.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Opens the stream and waits for its first bytes (the `retry:` line). */
  static async connect(url: string, options: OpenOptions = {}): Promise<RawSseReader> {
    const reader = await RawSseReader.open(url, options);
    await reader.waitFor((body) => body.retries.length > 0 || body.ended, 'the retry line');
    return reader;
  }

  /** Hangs up, as a closed browser tab does. */
  close(): void {
    this.request.destroy();
    this.response.destroy();
  }
}

export interface EventSourceMessageSeen {
  type: string;
  lastEventId: string;
  data: string;
}

/** A stream followed by the `eventsource` package, the way a browser's EventSource does. */
export class EventSourceReader {
  /** The durable events (and resets) and unnamed messages, in arrival order. */
  readonly messages: EventSourceMessageSeen[] = [];
  /** The ephemeral `views` and `readers` events, kept apart from `messages`. */
  readonly ephemeral: EventSourceMessageSeen[] = [];
  readonly errors: string[] = [];
  private readonly source: EventSource;
  private readonly waiters = new Set<Waiter>();
  private opened = false;

  /**
   * `lastEventId` is sent as the `Last-Event-ID` header of the first request, as a browser
   * does on a reconnect.
   */
  constructor(url: string, options: { lastEventId?: string } = {}) {
    const { lastEventId } = options;
    this.source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers:
            lastEventId === undefined
              ? init.headers
              : { ...init.headers, 'Last-Event-ID': lastEventId },
        }),
    });
    for (const type of ['post', 'update', 'delete', 'reset', 'message']) {
      this.source.addEventListener(type, (event: MessageEvent) => {
        this.messages.push({ type, lastEventId: event.lastEventId, data: String(event.data) });
        this.settleWaiters();
      });
    }
    for (const type of EPHEMERAL_TYPES) {
      this.source.addEventListener(type, (event: MessageEvent) => {
        this.ephemeral.push({ type, lastEventId: event.lastEventId, data: String(event.data) });
        this.settleWaiters();
      });
    }
    this.source.addEventListener('open', () => {
      this.opened = true;
      this.settleWaiters();
    });
    this.source.addEventListener('error', (event) => {
      this.errors.push(event.message ?? 'error');
      this.settleWaiters();
    });
  }

  get readyState(): number {
    return this.source.readyState;
  }

  get ids(): number[] {
    return this.messages.map((message) => Number(message.lastEventId));
  }

  waitFor(
    condition: (reader: EventSourceReader) => boolean,
    what: string,
    timeoutMs = WAIT_MS,
  ): Promise<void> {
    if (condition(this)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => condition(this),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const got = this.messages.map((m) => `${m.type}#${m.lastEventId}`).join(', ');
        reject(
          new Error(
            `Timed out after ${timeoutMs} ms waiting for ${what}; got [${got}], errors [${this.errors.join(', ')}]`,
          ),
        );
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  waitForOpen(): Promise<void> {
    return this.waitFor((reader) => reader.opened, 'the stream to open');
  }

  waitForId(id: number): Promise<void> {
    return this.waitFor((reader) => reader.ids.includes(id), `the event with id ${id}`);
  }

  close(): void {
    this.source.close();
  }

  private settleWaiters(): void {
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}

/**
 * A reader that stops reading: a raw TCP connection that sends the GET for a stream and then
 * pauses, so what the server writes piles up in the kernel's buffers and then in the server.
 */
export function connectStalledReader(
  testApp: TestApp,
  slug: string,
  after?: string,
): Promise<{ socket: net.Socket; closed: Promise<void> }> {
  const { hostname, port, pathname, search } = new URL(streamUrl(testApp, slug, after));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) }, () => {
      socket.write(
        `GET ${pathname}${search} HTTP/1.1\r\n` +
          `Host: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`,
      );
      socket.pause();
      resolve({ socket, closed });
    });
    const closed = new Promise<void>((resolveClosed) =>
      socket.once('close', () => resolveClosed()),
    );
    socket.once('error', reject);
  });
}

/** A keep-alive JSON client for writing many entries fast, without supertest's overhead. */
export class ApiWriter {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(
    private readonly testApp: Pick<TestApp, 'url'>,
    private readonly token: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const request = http.request(
        `${this.testApp.url}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload
              ? { 'Content-Type': 'application/json', 'Content-Length': payload.length }
              : {}),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : null });
          });
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(payload);
    });
  }

  /** Sends a request; fails unless the API answers `expected`. */
  async expect(expected: number, method: string, path: string, body?: unknown): Promise<any> {
    const response = await this.request(method, path, body);
    if (response.status !== expected) {
      throw new Error(
        `${method} ${path} answered ${response.status}, not ${expected}: ${JSON.stringify(response.body)}`,
      );
    }
    return response.body;
  }

  /** Publishes an entry. */
  publish(slug: string, body: string): Promise<{ post: Record<string, any>; eventId: number }> {
    return this.expect(201, 'POST', `/api/blogs/${slug}/posts`, { body });
  }

  /** Edits, pins or marks an entry. */
  edit(
    slug: string,
    postId: number,
    change: Record<string, unknown>,
  ): Promise<{ post: Record<string, any>; eventId: number }> {
    return this.expect(200, 'PATCH', `/api/blogs/${slug}/posts/${postId}`, change);
  }

  /** Deletes an entry. */
  remove(slug: string, postId: number): Promise<{ eventId: number }> {
    return this.expect(200, 'DELETE', `/api/blogs/${slug}/posts/${postId}`);
  }

  /** Publishes `count` entries, `concurrency` requests at a time; resolves with their writes. */
  async publishMany(
    slug: string,
    count: number,
    options: { concurrency?: number; body?: (index: number) => string } = {},
  ): Promise<Array<{ post: Record<string, any>; eventId: number }>> {
    const results: Array<{ post: Record<string, any>; eventId: number }> = [];
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        results[index] = await this.publish(slug, options.body?.(index) ?? `Entry ${index + 1}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency ?? 4 }, worker));
    return results;
  }

  close(): void {
    this.agent.destroy();
  }
}
