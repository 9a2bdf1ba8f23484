/**
 * The soak's load besides the streams: entries published, edited and deleted through the API
 * (each blog's writes one at a time, so its event ids are learnt in order), view reports with
 * a reader cookie, and editors signing in and out, spread over loopback addresses and
 * accounts so that no rate limit refuses them (refusals are counted: 0 expected).
 */
import { randomBytes } from 'node:crypto';
import { HttpClient } from '../fanout/targets';
import type { BlogLog } from './stream-sessions';

export interface LoadRates {
  /** Entry writes per second, all blogs. */
  writes: number;
  views: number;
  signIns: number;
}

export interface LoadTally {
  published: number;
  edited: number;
  deleted: number;
  viewReports: number;
  signIns: number;
  signOuts: number;
  /** Answers that were not the expected 2xx, by `<what> <status or error>`. */
  failures: Record<string, number>;
}

export const EDITOR_PASSWORD = 'soak editor password';
/** Sign-in limits (src/rate-limits/rate-limits.ts): per address a minute, per account in 15. */
const SIGN_INS_PER_ADDRESS_MINUTE = 10;
const SIGN_INS_PER_ACCOUNT_WINDOW = 10;
const ACCOUNT_WINDOW_S = 15 * 60;
/** Live entries a blog keeps about: above it, deleting wins. */
const LIVE_ENTRIES = 40;
/** Reader ids that report views: browsers coming back, so dedupe is exercised. */
const VIEWERS = 2000;
/** View reports or sign-ins awaiting their answers at most. */
const MAX_IN_FLIGHT = 20;

/** Half publishes, 3 in 10 edits, 2 in 10 deletes: a blog keeps about LIVE_ENTRIES entries. */
function nextWrite(liveEntries: number): 'publish' | 'edit' | 'delete' {
  if (liveEntries < 3) return 'publish';
  if (liveEntries > LIVE_ENTRIES) return 'delete';
  const roll = Math.random();
  if (roll < 0.2) return 'delete';
  return roll < 0.5 ? 'edit' : 'publish';
}

/** How many accounts and addresses keep `signIns` a second over `seconds` under the limits. */
export function signInSpread(signIns: number, seconds: number) {
  // A quarter of headroom: the limits' windows start at each key's first attempt.
  const accounts = Math.ceil(
    (signIns * Math.min(seconds, ACCOUNT_WINDOW_S)) / (SIGN_INS_PER_ACCOUNT_WINDOW * 0.75),
  );
  const addresses = Math.ceil((signIns * 60) / (SIGN_INS_PER_ADDRESS_MINUTE * 0.75));
  return { accounts: Math.max(1, accounts), addresses: Math.max(1, addresses) };
}

export class SiteLoad {
  private readonly tally: LoadTally = {
    published: 0,
    edited: 0,
    deleted: 0,
    viewReports: 0,
    signIns: 0,
    signOuts: 0,
    failures: {},
  };
  /** Each blog's live entries, as the generator made them. */
  private readonly entries = new Map<BlogLog, number[]>();
  private readonly viewers = Array.from({ length: VIEWERS }, () =>
    randomBytes(16).toString('base64url'),
  );
  private running = false;
  private loops: Promise<void>[] = [];
  private signInTurn = 0;
  private readonly api: HttpClient;
  private readonly signInClients: HttpClient[];

  constructor(
    private readonly base: string,
    private readonly auth: { Authorization: string },
    private readonly logs: BlogLog[],
    private readonly editors: string[],
    signInAddresses: number,
  ) {
    for (const log of logs) this.entries.set(log, []);
    this.api = new HttpClient(base);
    // 127.0.0.1 is the API's and the readers'; sign-ins come from 127.0.0.2 on.
    this.signInClients = Array.from(
      { length: signInAddresses },
      (_, i) => new HttpClient(base, 16, `127.0.${Math.floor((i + 2) / 256)}.${(i + 2) % 256}`),
    );
  }

  /** Runs each kind of load at its rate until `stop`. */
  start(rates: LoadRates): void {
    this.running = true;
    const perBlog = rates.writes / this.logs.length;
    // Writes one at a time per blog (each blog's ids are learnt in order); views and sign-ins
    // at their rate whatever their answers take, up to a bound.
    this.loops = [
      ...this.logs.map((log) => this.paced(perBlog, 1, () => this.write(log))),
      this.paced(rates.views, MAX_IN_FLIGHT, () => this.reportViews()),
      this.paced(rates.signIns, MAX_IN_FLIGHT, () => this.signInAndOut()),
    ];
  }

  /** Stops the load; resolves once every request in flight has its answer. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  report(): LoadTally {
    return structuredClone(this.tally);
  }

  /** Closes the kept-alive connections, so that the server holds none of the bench's. */
  closeConnections(): void {
    this.api.close();
    for (const client of this.signInClients) client.close();
  }

  /**
   * Calls `act` `rate` times a second, at most `maxInFlight` at once (then it falls behind
   * rather than pile up); resolves after `stop` once every call has its answer.
   */
  private async paced(rate: number, maxInFlight: number, act: () => Promise<void>) {
    if (rate <= 0) return;
    const interval = 1000 / rate;
    const inFlight = new Set<Promise<void>>();
    let due = performance.now();
    while (this.running) {
      if (inFlight.size >= maxInFlight) {
        await Promise.race(inFlight);
        continue;
      }
      const call = act().finally(() => inFlight.delete(call));
      inFlight.add(call);
      due += interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      // Fallen behind by more than a second: start again from now rather than burst.
      else if (wait < -1000) due = performance.now();
    }
    await Promise.all(inFlight);
  }

  private fail(what: string, why: string | number): void {
    const key = `${what} ${why}`;
    this.tally.failures[key] = (this.tally.failures[key] ?? 0) + 1;
  }

  private async json(method: string, path: string, body?: unknown) {
    const headers = { ...this.auth, 'Content-Type': 'application/json' };
    const answer = await this.api.send(method, path, headers, JSON.stringify(body ?? {}));
    return {
      status: answer.status,
      json: JSON.parse(answer.text || '{}') as { eventId?: number; post?: { id: number } },
    };
  }

  /** One publish, edit or delete on the blog, its event id added to the blog's log. */
  private async write(log: BlogLog): Promise<void> {
    const live = this.entries.get(log)!;
    const action = nextWrite(live.length);
    const path = `/api/blogs/${log.slug}/posts`;
    const body = `Soak entry, ${new Date().toISOString()}: ${randomBytes(96).toString('base64')}`;
    log.writing = true;
    try {
      if (action === 'publish') {
        const answer = await this.json('POST', path, { body });
        if (answer.status !== 201) return this.fail('publish', answer.status);
        live.push(answer.json.post!.id);
        log.ids.push(answer.json.eventId!);
        this.tally.published += 1;
      } else {
        const at = Math.floor(Math.random() * live.length);
        const id = live[at];
        if (action === 'edit') {
          const answer = await this.json('PATCH', `${path}/${id}`, { body });
          if (answer.status !== 200) return this.fail('edit', answer.status);
          log.ids.push(answer.json.eventId!);
          this.tally.edited += 1;
        } else {
          const answer = await this.json('DELETE', `${path}/${id}`);
          if (answer.status !== 200) return this.fail('delete', answer.status);
          live.splice(at, 1);
          log.ids.push(answer.json.eventId!);
          this.tally.deleted += 1;
        }
      }
    } catch (error) {
      this.fail(action, (error as Error).message);
    } finally {
      log.writing = false;
    }
  }

  /** A reader page's beacon: a few entries of a blog on screen, the reader's cookie. */
  private async reportViews(): Promise<void> {
    const log = this.logs[Math.floor(Math.random() * this.logs.length)];
    const live = this.entries.get(log)!;
    const postIds = live.slice(-1 - Math.floor(Math.random() * 5));
    if (postIds.length === 0) return;
    const viewer = this.viewers[Math.floor(Math.random() * this.viewers.length)];
    try {
      const answer = await this.api.send(
        'POST',
        `/blogs/${log.slug}/views`,
        { 'Content-Type': 'application/json', Cookie: `liveblog_reader=${viewer}` },
        JSON.stringify({ postIds }),
      );
      if (answer.status === 204) this.tally.viewReports += 1;
      else this.fail('views', answer.status);
    } catch (error) {
      this.fail('views', (error as Error).message);
    }
  }

  /** An editor signs in, from the next address, then out, as a browser would. */
  private async signInAndOut(): Promise<void> {
    const turn = this.signInTurn++;
    const client = this.signInClients[turn % this.signInClients.length];
    const email = this.editors[turn % this.editors.length];
    const origin = { Origin: this.base, 'Content-Type': 'application/json' };
    try {
      const login = await client.send(
        'POST',
        '/api/auth/login',
        origin,
        JSON.stringify({ email, password: EDITOR_PASSWORD }),
      );
      if (login.status !== 200) return this.fail('sign-in', login.status);
      this.tally.signIns += 1;
      const cookie = String(login.headers['set-cookie']).split(';')[0];
      const { csrfToken } = JSON.parse(login.text) as { csrfToken: string };
      const logout = await client.send('POST', '/api/auth/logout', {
        ...origin,
        Cookie: cookie,
        'X-CSRF-Token': csrfToken,
      });
      if (logout.status !== 204) return this.fail('sign-out', logout.status);
      this.tally.signOuts += 1;
    } catch (error) {
      this.fail('sign-in', (error as Error).message);
    }
  }
}
