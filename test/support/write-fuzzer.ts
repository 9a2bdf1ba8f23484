import fc from 'fast-check';
import { normalizeSlug } from '../../src/blogs/slug';
import { ViewCounter } from '../../src/counters/view-counter.service';
import { updateArtifact } from './artifacts';
import { SessionCredentials, sessionCookieOf } from './cookies';
import { createApiToken, createUser, PASSWORD, signIn, TestUser } from './factories';
import {
  acceptHeader,
  AuthMode,
  AuthSpec,
  authSpec,
  credentialsFor,
  SESSION,
  SIGNED_IN,
} from './fuzz-credentials';
import {
  BodySpec,
  classifyId,
  dtoFields,
  hostileBody,
  hostileSegment,
  oneIn,
  percentEncode,
  toWire,
} from './fuzz-inputs';
import { BlogState, Ledger, postState, TokenState, UserState } from './fuzz-ledger';
import { pick, READERS, VALID_OP_ONE_IN, ValidOp, validOp } from './fuzz-valid-inputs';
import { RawAnswer, RawHttpClient, RawRequest } from './raw-http';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './test-app';

/*
 * The harness of the fuzz specs (security issue 6): hostile input at a write endpoint, and
 * valid writes in between. Every answer is a 2xx or a 4xx (a 303 for the admin's HTML forms),
 * 4xx answers of the API carry the contract's error shape, the server stays up, and what the
 * valid requests of the same run wrote is exactly what is stored afterwards: no hostile
 * request wrote anything.
 *
 * FUZZ_RUNS=<n> sets the inputs per endpoint, FUZZ_SEED=<n> replays a run.
 */

export const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Sign-in hashes a password (~0.1 s of CPU) whenever the input is well-formed. */
export const LOGIN_RUNS = Math.ceil(RUNS / 2);
/** Generous: a shared 2-core machine, and each endpoint gets RUNS inputs. */
export const ENDPOINT_TIMEOUT_MS = 120_000;
/** Rate limits out of the way: the fuzzer is one client sending thousands of requests. */
const FUZZ_ENV = {
  API_WRITE_RATE_LIMIT: '1000000',
  VIEWS_RATE_LIMIT: '1000000',
  SSE_MAX_PER_ADDRESS: '100000',
};
const COUNT_REPORT = 'fuzz-count.json';

export const isSuccess = (status: number) => status >= 200 && status < 300;

/** A route segment as the router hands it over; undefined when it does not decode (a 400). */
export function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A route segment: one of the given real ones (resolved when sent), or hostile. */
export const segment = (real: () => string[], weight = 1): fc.Arbitrary<() => string> =>
  fc.oneof(
    { weight, arbitrary: fc.nat().map((index) => () => pick(real(), index) ?? '1') },
    { weight: 3, arbitrary: hostileSegment.map((text) => () => text) },
  );

/**
 * A route id segment, resolved once per attempt so the target and the checks agree. A random
 * one may well be "2": the ids of `spared` (the fuzzer's own user and token, which it needs
 * to go on) become "0" instead.
 */
export const idSegment = (real: () => number[], weight = 1, spared: () => number[] = () => []) =>
  segment(() => real().map(String), weight).map((resolve) => {
    let value: string | undefined;
    return () => {
      value ??= resolve();
      if (spared().includes(Number(decoded(value)))) value = '0';
      return value;
    };
  });

/** The contract's error: `{statusCode, message, error}`, message a string or strings. */
export function expectErrorShape(answer: RawAnswer): void {
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.json).toEqual(
    expect.objectContaining({ statusCode: answer.status, error: expect.any(String) }),
  );
  const { message } = answer.json;
  expect(
    typeof message === 'string' ||
      (Array.isArray(message) && message.every((line) => typeof line === 'string')),
  ).toBe(true);
}

function describeAttempt(request: RawRequest, answer?: RawAnswer): string {
  const body = request.body?.toString('utf8') ?? '';
  const headers = Object.entries(request.headers ?? {})
    .map(([name, value]) => `${name}: ${value.length > 120 ? `${value.slice(0, 120)}…` : value}`)
    .join('\n  ');
  return [
    `${request.method} ${request.target.slice(0, 300)}${request.chunked ? ' (chunked)' : ''}`,
    `  ${headers}`,
    `  body (${request.body?.length ?? 0} bytes): ${JSON.stringify(body.slice(0, 300))}`,
    answer
      ? `→ ${answer.status} ${answer.headers['content-type'] ?? ''}: ${answer.text.slice(0, 500)}`
      : '→ no answer',
  ].join('\n');
}

export interface Attempt<P> {
  params: P;
  body: BodySpec;
  auth: AuthSpec;
  accept: string | undefined;
  chunked: boolean;
  validOp: ValidOp | null;
}

export interface WriteEndpoint<P> {
  /** "POST /api/blogs": the key of the count of inputs tried. */
  label: string;
  method: string;
  params: fc.Arbitrary<P>;
  target(params: P): string;
  body: fc.Arbitrary<BodySpec>;
  /** An HTML form post of the admin: `_csrf` in the body, 303 on success, HTML errors. */
  form?: boolean;
  /** No sign-in needed (the auth spec is sent all the same). */
  public?: boolean;
  /** Whose session the session modes use (the editor's by default). */
  session?: () => SessionCredentials;
  /** The credentials tried (default: right and wrong tokens, sessions and CSRF tokens). */
  auth?: fc.Arbitrary<AuthSpec>;
  /** The auth modes that may write (default: a token or a session, a session on forms). */
  allowed?: ReadonlySet<AuthMode>;
  /** A route id in the target: malformed ones are 400 (contract). */
  id?(params: P): string | undefined;
  /** Each request from an address of its own (sign-in is limited per address). */
  freshAddress?: boolean;
  extraHeaders?(attempt: Attempt<P>): Record<string, string>;
  /** Called on a 2xx or 303: checks the write and enters it in the ledger. */
  absorb?(answer: RawAnswer, attempt: Attempt<P>): Promise<void> | void;
  /** More expectations on every answer. */
  expectAlso?(answer: RawAnswer, attempt: Attempt<P>): void;
  runs?: number;
}

/**
 * One app under fire for one fuzz spec: its users, the editor's API token, browser sessions of
 * the editor and the admin, three blogs with entries, and the ledger of the valid writes.
 */
export class WriteFuzzer {
  testApp!: TestApp;
  private dataDir?: string;
  private client!: RawHttpClient;
  admin!: TestUser;
  editor!: TestUser;
  victim!: TestUser;
  /** Users whose sessions the sign-out and password-change fuzzers may end. */
  leaver!: TestUser;
  accountHolder!: TestUser;
  /** The editor's API token, and its id (never revoked by the fuzzer). */
  token!: string;
  tokenId!: number;
  editorSession!: SessionCredentials;
  adminSession!: SessionCredentials;
  /** Blogs the valid writes go to; the hostile ones may end `statusSlug` at any time. */
  mainSlug!: string;
  postsSlug!: string;
  statusSlug!: string;
  private readonly validSlugs: string[] = [];
  readonly ledger = new Ledger();
  private readonly tried: Record<string, number> = {};
  /** Per endpoint, how many answers of each status: the inputs reached validation, not only auth. */
  private readonly answered: Record<string, Record<number, number>> = {};
  private validRequests = 0;
  private addresses = 0;
  private validBlogs = 0;
  private readonly prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  /** `spec`: the name of the fuzz spec, its key in the count report. */
  constructor(private readonly spec: string) {}

  async start(): Promise<void> {
    this.dataDir = makeDataDir();
    const testApp = await startTestApp(this.dataDir, FUZZ_ENV);
    this.testApp = testApp;
    this.client = new RawHttpClient(testApp.url);
    this.admin = await createUser(testApp, { role: 'admin', email: 'fuzz-admin@example.test' });
    this.editor = await createUser(testApp, { email: 'fuzz-editor@example.test' });
    this.victim = await createUser(testApp, { email: 'fuzz-victim@example.test' });
    this.leaver = await createUser(testApp, { email: 'fuzz-leaver@example.test' });
    this.accountHolder = await createUser(testApp, { email: 'fuzz-account@example.test' });
    for (const user of [this.admin, this.editor, this.victim, this.leaver, this.accountHolder])
      this.ledger.users.set(user.id, { ...user, removed: false });
    this.token = await createApiToken(await signIn(testApp, this.editor), 'fuzz-script');
    this.ledger.signedIn(this.editor.id);
    const { tokens } = await this.api('GET', '/api/tokens', undefined, 200);
    this.tokenId = tokens[0].id;
    this.ledger.tokens.set(this.tokenId, {
      id: this.tokenId,
      userId: this.editor.id,
      name: 'fuzz-script',
    });
    this.editorSession = await this.signInRaw(this.editor);
    this.adminSession = await this.signInRaw(this.admin);

    this.mainSlug = await this.createValidBlog('Match day: the final');
    this.postsSlug = await this.createValidBlog('Entries under fire');
    this.statusSlug = await this.createValidBlog('A blog whose status is fuzzed');
    this.validSlugs.push(this.mainSlug, this.postsSlug);
    for (const body of ['Kick-off', 'Goal! **1-0**', 'a\u0000b \ud83d\ude00', 'Half-time']) {
      await this.publishValid(this.mainSlug, { body });
      await this.publishValid(this.postsSlug, { body });
    }
    await this.expectIntact();
  }

  /** Closes the app and adds this spec's counts to test/artifacts/fuzz-count.json. */
  async stop(): Promise<void> {
    this.client?.close();
    await this.testApp?.close();
    if (this.dataDir) removeDataDir(this.dataDir);
    const total = Object.values(this.tried).reduce((sum, count) => sum + count, 0);
    const run = {
      seed: SEED,
      runsPerEndpoint: RUNS,
      total,
      validRequests: this.validRequests,
      endpoints: this.tried,
      answers: this.answered,
    };
    const path = updateArtifact(COUNT_REPORT, (current) => {
      const specs: Record<string, typeof run> = { ...current.specs, [this.spec]: run };
      const all = Object.values(specs);
      return {
        total: all.reduce((sum, each) => sum + each.total, 0),
        validRequests: all.reduce((sum, each) => sum + each.validRequests, 0),
        endpoints: Object.assign({}, ...all.map((each) => each.endpoints)),
        answers: Object.assign({}, ...all.map((each) => each.answers)),
        specs,
      };
    });
    process.stdout.write(
      `fuzz (${this.spec}): ${total} hostile inputs tried on ${Object.keys(this.tried).length} endpoints, ${this.validRequests} valid requests interleaved (seed ${SEED}; ${path})\n`,
    );
  }

  countAnswer(label: string, status: number): void {
    this.answered[label] ??= {};
    this.answered[label][status] = (this.answered[label][status] ?? 0) + 1;
  }

  /** A client address of its own (sign-in is limited per address). */
  private freshAddress(): string {
    this.addresses += 1;
    return `127.77.${Math.floor(this.addresses / 250) % 250}.${(this.addresses % 250) + 1}`;
  }

  send(request: RawRequest): Promise<RawAnswer> {
    return this.client.send(request);
  }

  /** The blog a route's slug segment names: slugs are looked up trimmed, NFC, lower-cased. */
  blogAt(segment: string): BlogState | undefined {
    const slug = decoded(segment);
    return slug === undefined ? undefined : this.ledger.blogs.get(normalizeSlug(slug));
  }

  /** A request of the editor's script; `expected`: the status it must get. */
  async api(method: string, target: string, body?: unknown, expected?: number): Promise<any> {
    const answer = await this.send({
      method,
      target,
      headers: { Authorization: `Bearer ${this.token}`, Accept: 'application/json' },
      json: body,
    });
    if (expected !== undefined && answer.status !== expected) {
      throw new Error(
        `${method} ${target} answered ${answer.status}, not ${expected}: ${answer.text.slice(0, 500)}`,
      );
    }
    return answer.json;
  }

  async signInRaw(user: TestUser): Promise<SessionCredentials> {
    const answer = await this.send({
      method: 'POST',
      target: '/api/auth/login',
      json: { email: user.email, password: PASSWORD },
      localAddress: this.freshAddress(),
    });
    expect(answer.status).toBe(200);
    this.ledger.signedIn(user.id);
    return { cookie: sessionCookieOf(answer), csrfToken: answer.json.csrfToken as string };
  }

  /**
   * Sign-out with a session of its own to end (the fuzzer's other sessions must stay), and
   * now and then a stranger's cookie instead.
   */
  async fuzzSignOut(label: string, target: string, form: boolean): Promise<void> {
    const session = await this.signInRaw(this.leaver);
    let ended = false;
    await this.fuzzEndpoint({
      label,
      method: 'POST',
      form,
      session: () => session,
      params: fc.constantFrom(
        '',
        'liveblog_session=',
        'liveblog_session=x',
        'liveblog_session=j:{"a":1}',
        'liveblog_session=s%3Aforged.signature',
      ),
      target: () => target,
      extraHeaders: ({ params: cookie, auth }): Record<string, string> =>
        cookie && !auth.mode.startsWith('session') ? { Cookie: cookie } : {},
      body: hostileBody(dtoFields({}), ['a'], { preferForm: form }),
      absorb: (answer, { auth }) => {
        expect(answer.status).toBe(form ? 303 : 204);
        if (auth.mode !== 'session') return;
        // Only the session that was sent, and only once.
        expect(ended).toBe(false);
        ended = true;
        this.ledger.signedOut(this.leaver.id);
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Valid writes
  // -------------------------------------------------------------------------------------------

  private async createValidBlog(title: string, description = ''): Promise<string> {
    this.validBlogs += 1;
    const slug = `valid-${this.validBlogs}`;
    const { blog } = await this.api('POST', '/api/blogs', { title, slug, description }, 201);
    expect(blog).toMatchObject({ slug, title: title.trim(), description: description.trim() });
    this.ledger.blogWritten(blog);
    this.validRequests += 1;
    return slug;
  }

  private async publishValid(
    slug: string,
    change: { body: string; pinned?: boolean; keyEvent?: boolean },
  ): Promise<void> {
    const { post, eventId } = await this.api('POST', `/api/blogs/${slug}/posts`, change, 201);
    expect(post).toMatchObject({ body: change.body, version: 1 });
    expect(eventId).toEqual(expect.any(Number));
    this.ledger.published(slug, post);
    this.validRequests += 1;
  }

  async runValidOp(op: ValidOp): Promise<void> {
    const { ledger } = this;
    const posts = [...ledger.posts.values()].filter((post) => this.validSlugs.includes(post.slug));
    switch (op.op) {
      case 'create-blog':
        this.validSlugs.push(await this.createValidBlog(op.title, op.description));
        return;
      case 'publish':
        await this.publishValid(pick(this.validSlugs, op.blog)!, {
          body: op.body,
          pinned: op.pinned,
          keyEvent: op.keyEvent,
        });
        return;
      case 'edit': {
        const post = pick(posts, op.post);
        if (!post) return;
        const change = {
          body: op.body,
          pinned: op.pinned,
          keyEvent: op.keyEvent,
          version: op.withVersion ? post.version : undefined,
        };
        if (op.body === undefined && op.pinned === undefined && op.keyEvent === undefined) {
          change.pinned = !post.pinned;
        }
        const target = `/api/blogs/${post.slug}/posts/${post.id}`;
        const answer = await this.api('PATCH', target, change, 200);
        expect(answer.post).toMatchObject({
          body: change.body ?? post.body,
          pinned: change.pinned ?? post.pinned,
          keyEvent: change.keyEvent ?? post.keyEvent,
        });
        ledger.edited(answer.post);
        break;
      }
      case 'delete': {
        const post = pick(posts, op.post);
        if (!post) return;
        await this.api('DELETE', `/api/blogs/${post.slug}/posts/${post.id}`, undefined, 200);
        ledger.deleted(post.id);
        break;
      }
      case 'view': {
        const post = pick(posts, op.post);
        if (!post) return;
        const reader = pick(READERS, op.reader)!;
        const answer = await this.send({
          method: 'POST',
          target: `/blogs/${post.slug}/views`,
          headers: { Cookie: `liveblog_reader=${reader}` },
          json: { postIds: [post.id] },
        });
        expect(answer.status).toBe(204);
        ledger.viewed(reader, post.slug, [post.id]);
        break;
      }
      case 'create-token': {
        const answer = await this.api('POST', '/api/tokens', { name: op.name }, 201);
        expect(answer.token.name).toBe(op.name.trim());
        ledger.tokens.set(answer.token.id, {
          id: answer.token.id,
          userId: this.editor.id,
          name: answer.token.name,
        });
        break;
      }
    }
    this.validRequests += 1;
  }

  // -------------------------------------------------------------------------------------------
  // The server as it is, compared with the ledger
  // -------------------------------------------------------------------------------------------

  async listPosts(slug: string): Promise<any[]> {
    const posts: any[] = [];
    for (let before: number | undefined; ;) {
      const query = before === undefined ? '' : `&before=${before}`;
      const page = await this.api(
        'GET',
        `/api/blogs/${percentEncode(slug)}/posts?limit=100${query}`,
        undefined,
        200,
      );
      posts.push(...page.posts);
      if (page.posts.length < 100) return posts;
      before = Math.min(...page.posts.map((post: { id: number }) => post.id));
    }
  }

  /** Exactly the valid writes are stored (through the API where it shows them), nothing else. */
  async expectIntact(): Promise<void> {
    const { ledger, testApp } = this;
    await testApp.app.get(ViewCounter).flush();
    const { blogs } = await this.api('GET', '/api/blogs', undefined, 200);
    const bySlug = (a: { slug: string }, b: { slug: string }) => a.slug.localeCompare(b.slug);
    expect(
      blogs
        .map(({ id, slug, title, description, status }: BlogState) => ({
          id,
          slug,
          title,
          description,
          status,
        }))
        .sort(bySlug),
    ).toEqual([...ledger.blogs.values()].sort(bySlug));

    for (const slug of ledger.blogs.keys()) {
      const stored = (await this.listPosts(slug))
        .map((post) => ({ ...postState(slug, post), views: post.views }))
        .sort((a, b) => a.id - b.id);
      const expected = ledger
        .postsIn(slug)
        .map((post) => ({ ...post, views: ledger.viewers.get(post.id)?.size ?? 0 }))
        .sort((a, b) => a.id - b.id);
      expect(stored).toEqual(expected);
    }

    const events: Array<{ type: string; count: number }> = await testApp.database.query(
      'SELECT type, COUNT(*) AS count FROM events GROUP BY type',
    );
    expect({
      post: 0,
      update: 0,
      delete: 0,
      ...Object.fromEntries(events.map((row) => [row.type, row.count])),
    }).toEqual(ledger.events);
    // Each entry's newest event carries it as it is now.
    const newest: Array<{ postId: number; type: string; payload: string }> =
      await testApp.database.query(
        'SELECT postId, type, payload FROM events WHERE id IN (SELECT MAX(id) FROM events GROUP BY postId)',
      );
    for (const { postId, type, payload } of newest) {
      const post = ledger.posts.get(postId);
      if (type === 'delete') expect(post).toBeUndefined();
      else expect(postState(post?.slug ?? '', JSON.parse(payload).post)).toEqual(post);
    }

    const tokens: TokenState[] = await testApp.database.query(
      'SELECT id, userId, name FROM api_tokens ORDER BY id',
    );
    expect(tokens).toEqual([...ledger.tokens.values()].sort((a, b) => a.id - b.id));
    const users: Array<Omit<UserState, 'removed'> & { removedAt: string | null }> =
      await testApp.database.query(
        'SELECT id, email, name, role, removedAt FROM users ORDER BY id',
      );
    expect(
      users.map(({ removedAt, ...user }) => ({ ...user, removed: removedAt !== null })),
    ).toEqual([...ledger.users.values()].sort((a, b) => a.id - b.id));
    const sessions: Array<{ userId: number; count: number }> = await testApp.database.query(
      'SELECT userId, COUNT(*) AS count FROM sessions GROUP BY userId ORDER BY userId',
    );
    expect(Object.fromEntries(sessions.map((row) => [row.userId, row.count]))).toEqual(
      Object.fromEntries(ledger.sessions),
    );

    // The app runs in this process: a polluted prototype would show here.
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(this.prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await this.send({ method: 'GET', target: '/health' });
    expect(health.status).toBe(200);
  }

  // -------------------------------------------------------------------------------------------
  // Hostile requests
  // -------------------------------------------------------------------------------------------

  /** Runs `property` on `runs` inputs; a failure names the seed and path that replay it. */
  async fuzz<T>(
    label: string,
    arbitrary: fc.Arbitrary<T>,
    property: (input: T) => Promise<void>,
    runs: number,
  ): Promise<void> {
    this.tried[label] ??= 0;
    await fc.assert(
      fc.asyncProperty(arbitrary, async (input) => {
        this.tried[label] += 1;
        await property(input);
      }),
      {
        numRuns: runs,
        seed: SEED,
        // Shrinking re-sends megabyte bodies for minutes; the failing request is in the message.
        endOnFailure: true,
        asyncReporter: (details) => {
          if (!details.failed) return Promise.resolve();
          const error = details.errorInstance;
          return Promise.reject(
            new Error(
              `${label} failed on input ${details.numRuns} (FUZZ_SEED=${details.seed}):\n${
                error instanceof Error ? error.message : String(error)
              }`,
            ),
          );
        },
      },
    );
  }

  async fuzzEndpoint<P>(endpoint: WriteEndpoint<P>): Promise<void> {
    const arbitrary = fc.record({
      params: endpoint.params,
      body: endpoint.body,
      auth: endpoint.auth ?? authSpec(endpoint.form ? 'session' : 'token'),
      accept: acceptHeader,
      chunked: fc.constantFrom(false, false, false, true),
      validOp: oneIn(VALID_OP_ONE_IN, validOp),
    });
    await this.fuzz(
      endpoint.label,
      arbitrary,
      async (attempt) => {
        const { headers: auth, csrfField } = credentialsFor(attempt.auth, attempt.body, {
          token: this.token,
          session: endpoint.session?.() ?? this.editorSession,
          form: endpoint.form === true,
        });
        const wire = toWire(attempt.body, csrfField);
        const request: RawRequest = {
          method: endpoint.method,
          target: endpoint.target(attempt.params),
          headers: {
            ...wire.headers,
            ...auth,
            ...(attempt.accept === undefined ? {} : { Accept: attempt.accept }),
            ...endpoint.extraHeaders?.(attempt),
          },
          body: wire.body,
          chunked: attempt.chunked,
          localAddress: endpoint.freshAddress ? this.freshAddress() : undefined,
        };
        let answer: RawAnswer | undefined;
        try {
          answer = await this.send(request);
          const { status } = answer;
          this.countAnswer(endpoint.label, status);
          const redirected = status === 303 && endpoint.form === true;
          expect(isSuccess(status) || redirected || (status >= 400 && status < 500)).toBe(true);
          const pageError =
            endpoint.form ||
            (!request.target.startsWith('/api/') && attempt.accept === 'text/html');
          if (status >= 400 && !pageError) expectErrorShape(answer);
          const allowed = endpoint.allowed ?? (endpoint.form ? SESSION : SIGNED_IN);
          if (!endpoint.public && !allowed.has(attempt.auth.mode)) {
            expect(isSuccess(status) || redirected).toBe(false);
          }
          const id = endpoint.id?.(attempt.params);
          if (id !== undefined && classifyId(id) === 'malformed') {
            // Bad bodies are 400, 413 or 415 too, and a request signed out a 401 or 403.
            expect([400, 401, 403, 413, 415]).toContain(status);
          }
          endpoint.expectAlso?.(answer, attempt);
          if (isSuccess(status) || redirected) await endpoint.absorb?.(answer, attempt);
        } catch (error) {
          throw new Error(
            `${describeAttempt(request, answer)}\n${error instanceof Error ? error.message : String(error)}`,
          );
        }
        if (attempt.validOp) await this.runValidOp(attempt.validOp);
      },
      endpoint.runs ?? RUNS,
    );
    await this.expectIntact();
  }

  // -------------------------------------------------------------------------------------------
  // What the hostile requests may aim at
  // -------------------------------------------------------------------------------------------

  /** The users the fuzzer signs in as. */
  readonly fuzzerUsers = () => [
    this.admin.id,
    this.editor.id,
    this.leaver.id,
    this.accountHolder.id,
  ];
  /** The token the fuzzer's script uses. */
  readonly fuzzerToken = () => [this.tokenId];

  /** The ids of the postsSlug entries: the targets of the hostile edits and deletes. */
  readonly targetPostIds = () => this.ledger.postsIn(this.postsSlug).map((post) => post.id);

  /** A user's tokens but the one the fuzzer signs in with. */
  readonly revocableTokenIds = (userId: number) =>
    [...this.ledger.tokens.values()]
      .filter((entry) => entry.userId === userId && entry.id !== this.tokenId)
      .map((entry) => entry.id);

  /** Users the fuzzer may change or remove: never those it signs in as. */
  readonly changeableUserIds = () =>
    [...this.ledger.users.values()]
      .filter((user) => !this.fuzzerUsers().includes(user.id))
      .map((user) => user.id);
}
