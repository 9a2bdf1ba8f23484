/**
 * The soak's readers: a fixed number of slots (a browser tab each), each holding one stream
 * session at a time on its blog. Churning closes a session and opens the slot's next one at
 * once, resuming as browsers do: with `Last-Event-ID` (the last id it got), with `?after=`
 * (a freshly rendered page's newest event), or with no cursor (a new visitor).
 *
 * Each session records the durable ids it receives (`id:` lines of `post`, `update`,
 * `delete`). Once closed, it is checked against the event ids the load generator caused on
 * its blog (the API answers' `eventId`): exactly the ids in (cursor, last received], in order,
 * none twice, none missing; with no cursor, from its first id on.
 */
import http from 'node:http';

export type CursorKind = 'last-event-id' | 'after' | 'none';

/** The event ids the generator caused on one blog, ascending (each blog's writes are serial). */
export interface BlogLog {
  slug: string;
  ids: number[];
  /** A write's answer is awaited: ids above the last known may exist. */
  writing: boolean;
}

interface Session {
  slot: Slot;
  kind: CursorKind;
  cursor?: number;
  ids: number[];
  resets: number;
  request?: http.ClientRequest;
  opened: boolean;
  closed: boolean;
  /** Bytes of a line cut by the end of a chunk. */
  carry: string;
  /** Open when the load stopped and the readers caught up: it should have had up to this id. */
  expectedUpTo?: number;
  /** The `event:` and `id:` of the frame being read. */
  event: string;
  id?: number;
}

interface Slot {
  index: number;
  log: BlogLog;
  /** The last durable id any of its sessions received. */
  lastId?: number;
  session?: Session;
}

export interface SessionTally {
  opened: number;
  /** Closed sessions checked against the generator's log. */
  checked: number;
  /** Of those, the ones that received or should have received events: checks that could fail. */
  checkedWithEvents: number;
  /** Durable events received, all sessions. */
  delivered: number;
  /** Sessions whose ids were not exactly the expected ones. */
  violations: number;
  missing: number;
  duplicated: number;
  /** Ids not of the blog, or out of order. */
  unexpected: number;
  resets: number;
  /** Streams the server ended while the reader stayed (the slot then resumes). */
  endedByServer: number;
  /** Why sessions failed to open: `status 429`, `ECONNRESET`… with their counts. */
  openFailures: Record<string, number>;
  /** From the request to the response head, ms: p50, p99, max. */
  openMs: { p50: number; p99: number; max: number } | null;
  /** The first few violations, for a human. */
  examples: string[];
  byCursor: Record<CursorKind, number>;
}

const DURABLE_EVENTS = new Set(['post', 'update', 'delete']);
const MAX_EXAMPLES = 5;
/** A failed slot tries again after this (a browser waits its `retry:`). */
const RETRY_MS = 1000;

export class StreamSessions {
  private readonly slots: Slot[];
  private readonly awaitingCheck: Session[] = [];
  private readonly tally: SessionTally = {
    opened: 0,
    checked: 0,
    checkedWithEvents: 0,
    delivered: 0,
    violations: 0,
    missing: 0,
    duplicated: 0,
    unexpected: 0,
    resets: 0,
    endedByServer: 0,
    openFailures: {},
    openMs: null,
    examples: [],
    byCursor: { 'last-event-id': 0, after: 0, none: 0 },
  };
  private readonly openTimes: number[] = [];
  private stopping = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(
    private readonly host: string,
    private readonly port: number,
    logs: BlogLog[],
    count: number,
  ) {
    this.slots = Array.from({ length: count }, (_, index) => ({
      index,
      log: logs[index % logs.length],
    }));
  }

  /** The sessions open now (a session that closes never opens again). */
  openSessions(): Set<object> {
    const open = new Set<object>();
    for (const { session } of this.slots) {
      if (session?.opened && !session.closed) open.add(session);
    }
    return open;
  }

  /** Opens every slot's stream, `concurrency` at a time; resolves once each opened or failed. */
  async openAll(concurrency: number): Promise<void> {
    this.stopping = false;
    let next = 0;
    const worker = async () => {
      while (next < this.slots.length) {
        const slot = this.slots[next++];
        await new Promise<void>((settled) => this.open(slot, settled));
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }

  /** Closes `count` random open sessions, and opens each one's slot's next at once. */
  churn(count: number): void {
    const open = this.slots.filter((slot) => slot.session?.opened && !slot.session.closed);
    for (let i = 0; i < count && open.length > 0; i++) {
      const at = Math.floor(Math.random() * open.length);
      const slot = open[at];
      open[at] = open[open.length - 1];
      open.pop();
      this.close(slot.session!);
      this.open(slot);
    }
  }

  /**
   * Whether every open session has its blog's newest event (once writes have stopped): then
   * no event is still on its way to any of them.
   */
  caughtUp(): boolean {
    return this.slots.every((slot) => {
      const session = slot.session;
      const newest = slot.log.ids.at(-1);
      if (!session?.opened || session.closed || newest === undefined) return true;
      // A new visitor that came after the last event has nothing to get.
      if (session.kind === 'none' && session.ids.length === 0) return true;
      if (session.cursor !== undefined && session.cursor >= newest) return true;
      return session.ids.at(-1) === newest;
    });
  }

  /**
   * Closes every session (no slot reopens) and checks them all, once writes have stopped and
   * `caughtUp` was awaited: an open session should then have its blog's newest event.
   */
  closeAll(): void {
    this.stopping = true;
    for (const timer of this.retries) clearTimeout(timer);
    this.retries.clear();
    for (const slot of this.slots) {
      if (!slot.session || slot.session.closed) continue;
      slot.session.expectedUpTo = slot.log.ids.at(-1);
      this.close(slot.session);
    }
    this.checkClosed();
  }

  /** Checks the closed sessions whose ids the generator knows by now. */
  checkClosed(): void {
    let kept = 0;
    for (const session of this.awaitingCheck) {
      const log = session.slot.log;
      const last = session.ids.at(-1);
      const known = !log.writing || last === undefined || last <= (log.ids.at(-1) ?? 0);
      if (known) this.check(session);
      else this.awaitingCheck[kept++] = session;
    }
    this.awaitingCheck.length = kept;
  }

  report(): SessionTally {
    const sorted = [...this.openTimes].sort((a, b) => a - b);
    const at = (fraction: number) => sorted[Math.ceil(fraction * sorted.length) - 1];
    const openMs = sorted.length ? { p50: at(0.5), p99: at(0.99), max: at(1) } : null;
    return structuredClone({ ...this.tally, openMs });
  }

  private open(slot: Slot, settled?: () => void): void {
    const session = this.nextSession(slot);
    slot.session = session;
    const query = session.kind === 'after' ? `?after=${session.cursor}` : '';
    const startedAt = performance.now();
    const request = http.get({
      host: this.host,
      port: this.port,
      path: `/blogs/${slot.log.slug}/events${query}`,
      agent: false,
      headers: {
        Accept: 'text/event-stream',
        ...(session.kind === 'last-event-id' ? { 'Last-Event-ID': String(session.cursor) } : {}),
      },
    });
    session.request = request;
    let settle = settled;
    const done = () => {
      settle?.();
      settle = undefined;
    };
    const failed = (why: string) => {
      done();
      if (session.closed) return;
      session.closed = true;
      request.destroy();
      this.tally.openFailures[why] = (this.tally.openFailures[why] ?? 0) + 1;
      this.retry(slot);
    };
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (!session.opened) failed(error.code ?? error.message);
    });
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return failed(`status ${response.statusCode}`);
      }
      session.opened = true;
      this.openTimes.push(performance.now() - startedAt);
      this.tally.opened += 1;
      this.tally.byCursor[session.kind] += 1;
      done();
      response.setEncoding('latin1');
      response.on('data', (chunk: string) => this.read(session, chunk));
      response.on('error', () => undefined);
      response.on('close', () => {
        if (session.closed) return;
        // The server ended it: a browser resumes with the last id it has.
        this.tally.endedByServer += 1;
        this.close(session);
        if (!this.stopping) this.open(slot);
      });
    });
  }

  private nextSession(slot: Slot): Session {
    const newest = slot.log.ids.at(-1);
    const roll = Math.random();
    let kind: CursorKind = 'none';
    let cursor: number | undefined;
    if (roll < 0.5 && slot.lastId !== undefined) {
      kind = 'last-event-id';
      cursor = slot.lastId;
    } else if (roll < 0.75 && newest !== undefined) {
      kind = 'after';
      cursor = newest;
    }
    return {
      slot,
      kind,
      cursor,
      ids: [],
      resets: 0,
      opened: false,
      closed: false,
      carry: '',
      event: '',
    };
  }

  private retry(slot: Slot): void {
    if (this.stopping) return;
    const timer = setTimeout(() => {
      this.retries.delete(timer);
      if (!this.stopping) this.open(slot);
    }, RETRY_MS);
    this.retries.add(timer);
  }

  private close(session: Session): void {
    if (session.closed) return;
    session.closed = true;
    session.request?.destroy();
    if (session.opened) this.awaitingCheck.push(session);
  }

  /** SSE lines: only `event:`, `id:` and the blank line that ends a frame matter here. */
  private read(session: Session, chunk: string): void {
    if (session.closed) return;
    const lines = (session.carry + chunk).split('\n');
    session.carry = lines.pop()!;
    for (const line of lines) {
      if (line === '' || line === '\r') {
        this.dispatch(session);
      } else if (line.startsWith('event:')) {
        session.event = line.slice(6).trim();
      } else if (line.startsWith('id:')) {
        session.id = Number(line.slice(3).trim());
      }
    }
  }

  private dispatch(session: Session): void {
    if (session.event === 'reset') {
      session.resets += 1;
    } else if (session.id !== undefined && DURABLE_EVENTS.has(session.event)) {
      session.ids.push(session.id);
      session.slot.lastId = session.id;
      this.tally.delivered += 1;
    }
    session.event = '';
    session.id = undefined;
  }

  private check(session: Session): void {
    this.tally.checked += 1;
    const { ids, slot } = session;
    const log = slot.log.ids;
    const from = session.cursor ?? (ids.length > 0 ? ids[0] - 1 : undefined);
    // A new visitor that got nothing: nothing it should have had can be told.
    if (from === undefined && session.resets === 0) return;
    const last = Math.max(ids.at(-1) ?? 0, session.expectedUpTo ?? 0, from ?? 0);
    const expected = log.slice(upperBound(log, from ?? 0), upperBound(log, last));
    if (ids.length === 0 && expected.length === 0 && session.resets === 0) return;
    this.tally.checkedWithEvents += 1;
    const received = new Set<number>();
    let duplicated = 0;
    let outOfOrder = 0;
    ids.forEach((id, i) => {
      if (received.has(id)) duplicated += 1;
      else if (i > 0 && id < ids[i - 1]) outOfOrder += 1;
      received.add(id);
    });
    const wanted = new Set(expected);
    const missing = expected.filter((id) => !received.has(id)).length;
    const unexpected = [...received].filter((id) => !wanted.has(id)).length + outOfOrder;
    if (missing + duplicated + unexpected + session.resets === 0) return;
    this.tally.violations += 1;
    this.tally.missing += missing;
    this.tally.duplicated += duplicated;
    this.tally.unexpected += unexpected;
    this.tally.resets += session.resets;
    if (this.tally.examples.length < MAX_EXAMPLES) {
      this.tally.examples.push(
        `${slot.log.slug}, ${session.kind} ${session.cursor ?? ''}: got [${ids.join(',')}], ` +
          `expected [${expected.join(',')}]${session.resets ? `, ${session.resets} reset` : ''}`,
      );
    }
  }
}

/** The index of the first element of ascending `values` above `value`. */
function upperBound(values: number[], value: number): number {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (values[middle] <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}
