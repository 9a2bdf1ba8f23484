import fc from 'fast-check';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseQueryString } from 'node:querystring';
import { normalizeSlug } from '../src/blogs/slug';
import { ViewCounter } from '../src/counters/view-counter.service';
import { StreamService } from '../src/stream/stream.service';
import { createApiToken, createUser, PASSWORD, signIn, TestUser } from './support/factories';
import {
  BodySpec,
  classifyId,
  cursorText,
  CursorText,
  dtoFields,
  formValue,
  hostileBody,
  hostileSegment,
  oneIn,
  percentEncode,
  streamQuery,
  StreamQuery,
  toWire,
} from './support/fuzz-inputs';
import { RawAnswer, RawHttpClient, RawRequest } from './support/raw-http';
import { RawSseReader, waitUntil } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/**
 * Security issue 6: hostile input at every write endpoint and at the stream's cursor. Every
 * answer is a 2xx or a 4xx (a 303 for the admin's HTML forms), 4xx answers of the API carry
 * the contract's error shape, the server stays up, and what the valid requests of the same
 * run wrote (interleaved with the hostile ones) is exactly what is stored afterwards: no
 * hostile request wrote anything.
 *
 * FUZZ_RUNS=<n> sets the inputs per endpoint, FUZZ_SEED=<n> replays a run.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** Sign-in hashes a password (~0.1 s of CPU) whenever the input is well-formed. */
const LOGIN_RUNS = Math.ceil(RUNS / 2);
/** Generous: a shared 2-core machine, and each endpoint gets RUNS inputs. */
const ENDPOINT_TIMEOUT_MS = 120_000;
/** Rate limits out of the way: the fuzzer is one client sending thousands of requests. */
const FUZZ_ENV = {
  API_WRITE_RATE_LIMIT: '1000000',
  VIEWS_RATE_LIMIT: '1000000',
  SSE_MAX_PER_ADDRESS: '100000',
};
const COUNT_FILE = join(__dirname, 'artifacts', 'fuzz-count.json');

// ---------------------------------------------------------------------------------------------
// What the valid requests wrote: the expected state of the server at any moment.
// ---------------------------------------------------------------------------------------------

interface BlogState {
  id: number;
  slug: string;
  title: string;
  description: string;
  status: string;
}

interface PostState {
  id: number;
  slug: string;
  body: string;
  pinned: boolean;
  keyEvent: boolean;
  version: number;
}

interface TokenState {
  id: number;
  userId: number;
  name: string;
}

interface UserState {
  id: number;
  email: string;
  name: string;
  role: string;
  removed: boolean;
}

class Ledger {
  readonly blogs = new Map<string, BlogState>();
  readonly posts = new Map<number, PostState>();
  readonly events = { post: 0, update: 0, delete: 0 };
  /** Readers who have seen each entry: its view count. */
  readonly viewers = new Map<number, Set<string>>();
  readonly tokens = new Map<number, TokenState>();
  readonly users = new Map<number, UserState>();
  /** Open sessions per user id. */
  readonly sessions = new Map<number, number>();

  blogWritten(blog: any): void {
    const { id, slug, title, description, status } = blog;
    this.blogs.set(slug, { id, slug, title, description, status });
  }

  published(slug: string, post: any): void {
    expect(this.posts.has(post.id)).toBe(false);
    this.posts.set(post.id, postState(slug, post));
    this.events.post += 1;
  }

  edited(post: any): void {
    const before = this.posts.get(post.id);
    expect(before).toBeDefined();
    expect(post.version).toBe(before!.version + 1);
    this.posts.set(post.id, postState(before!.slug, post));
    this.events.update += 1;
  }

  deleted(postId: number): void {
    expect(this.posts.has(postId)).toBe(true);
    this.posts.delete(postId);
    this.viewers.delete(postId);
    this.events.delete += 1;
  }

  /** A reader's report on a blog's page: only that blog's existing entries count. */
  viewed(readerId: string, slug: string, postIds: unknown[]): void {
    for (const id of postIds) {
      if (typeof id !== 'number' || this.posts.get(id)?.slug !== slug) continue;
      const viewers = this.viewers.get(id) ?? new Set<string>();
      viewers.add(readerId);
      this.viewers.set(id, viewers);
    }
  }

  signedIn(userId: number): void {
    this.sessions.set(userId, (this.sessions.get(userId) ?? 0) + 1);
  }

  signedOut(userId: number): void {
    const left = (this.sessions.get(userId) ?? 0) - 1;
    expect(left).toBeGreaterThanOrEqual(0);
    if (left === 0) this.sessions.delete(userId);
    else this.sessions.set(userId, left);
  }

  /** A new password: every session and token of the user ends. */
  passwordChanged(userId: number): void {
    expect(this.users.get(userId)?.removed).toBe(false);
    this.sessions.delete(userId);
    for (const token of [...this.tokens.values()]) {
      if (token.userId === userId) this.tokens.delete(token.id);
    }
  }

  userRemoved(userId: number): void {
    this.passwordChanged(userId);
    this.users.get(userId)!.removed = true;
  }

  postsIn(slug: string): PostState[] {
    return [...this.posts.values()].filter((post) => post.slug === slug);
  }
}

/** A field of a body as the server reads it, when the body is an object. */
function fieldOf(body: BodySpec, name: string): unknown {
  if (body.kind === 'form') return formValue(body, name);
  if (body.kind === 'text' && body.contentType?.includes('form')) {
    const values = new URLSearchParams(body.text).getAll(name);
    return values.length === 1 ? values[0] : undefined;
  }
  const value =
    body.kind === 'json'
      ? body.value
      : body.kind === 'proto'
        ? body.base
        : body.kind === 'text'
          ? parseJsonText(body.text)
          : undefined;
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function postState(slug: string, post: any): PostState {
  const { id, body, pinned, keyEvent, version } = post;
  return { id, slug, body, pinned, keyEvent, version };
}

// ---------------------------------------------------------------------------------------------
// Who sends: the credentials of a request, right or wrong.
// ---------------------------------------------------------------------------------------------

/** A browser's sign-in: the session cookie and the session's CSRF token. */
interface Session {
  cookie: string;
  csrfToken: string;
}

type AuthMode =
  | 'token'
  | 'session'
  | 'session-without-csrf'
  | 'session-wrong-csrf'
  | 'none'
  | 'unknown-token'
  | 'odd-authorization';

interface AuthSpec {
  mode: AuthMode;
  /** The wrong token, CSRF token or Authorization value of the failing modes. */
  junk: string;
}

/** Credentials, mostly the right ones: an API token for the API, a session for the forms. */
const authSpec = (main: 'token' | 'session'): fc.Arbitrary<AuthSpec> =>
  fc.record({
    mode: fc.oneof(
      { weight: 6, arbitrary: fc.constant<AuthMode>(main) },
      { weight: 1, arbitrary: fc.constant<AuthMode>(main === 'token' ? 'session' : 'token') },
      {
        weight: 3,
        arbitrary: fc.constantFrom<AuthMode>(
          'session-without-csrf',
          'session-wrong-csrf',
          'none',
          'unknown-token',
          'odd-authorization',
        ),
      },
    ),
    junk: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer  x', 'Token abc', ''),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
    ),
  });

/** For sign-in: never the fuzzer's own session cookie, which a sign-in would replace. */
const authWithoutSession: fc.Arbitrary<AuthSpec> = fc.record({
  mode: fc.constantFrom<AuthMode>('token', 'none', 'unknown-token', 'odd-authorization'),
  junk: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
});

/** The modes that authenticate as someone allowed to write (tokens are the editor's). */
const SIGNED_IN: ReadonlySet<AuthMode> = new Set(['token', 'session']);
/** The admin's pages take a browser session only (an API token there is a 403). */
const SESSION: ReadonlySet<AuthMode> = new Set(['session']);

/** Can this body carry the `_csrf` field of a form? */
function carriesFields(body: BodySpec): boolean {
  return (
    body.kind === 'form' ||
    body.kind === 'proto' ||
    (body.kind === 'json' &&
      typeof body.value === 'object' &&
      body.value !== null &&
      !Array.isArray(body.value))
  );
}

const acceptHeader = fc.constantFrom(
  undefined,
  'application/json',
  'text/html',
  '*/*',
  'text/event-stream',
  'image/png',
  ',,;q=x',
);

/** One hostile input in five is followed by a valid write. */
const VALID_OP_ONE_IN = 5;

// ---------------------------------------------------------------------------------------------
// Valid writes, interleaved with the hostile ones: the data that must come out intact.
// ---------------------------------------------------------------------------------------------

type ValidOp =
  | { op: 'create-blog'; title: string; description: string }
  | { op: 'publish'; blog: number; body: string; pinned: boolean; keyEvent: boolean }
  | {
      op: 'edit';
      post: number;
      body?: string;
      pinned?: boolean;
      keyEvent?: boolean;
      withVersion: boolean;
    }
  | { op: 'delete'; post: number }
  | { op: 'view'; post: number; reader: number }
  | { op: 'create-token'; name: string };

/** Valid text that is hard to store: any code point (NULs, astral, RTL marks), never blank. */
const validText = (maxLength: number) =>
  fc.string({ unit: 'binary', minLength: 1, maxLength }).filter((text) => /\S/.test(text));

const validBody = fc.oneof(
  { weight: 6, arbitrary: validText(300) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'x'.repeat(20_000),
      'a\u0000b',
      '<script>alert(1)</script>',
      '    indented code',
      '\ud83d\ude00',
      '{{constructor}}',
    ),
  },
);

const validOp: fc.Arbitrary<ValidOp> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('create-blog' as const),
      title: validText(80),
      description: fc.string({ unit: 'binary', maxLength: 200 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('publish' as const),
      blog: fc.nat(),
      body: validBody,
      pinned: fc.boolean(),
      keyEvent: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record(
      {
        op: fc.constant('edit' as const),
        post: fc.nat(),
        body: validBody,
        pinned: fc.boolean(),
        keyEvent: fc.boolean(),
        withVersion: fc.boolean(),
      },
      { requiredKeys: ['op', 'post', 'withVersion'] },
    ),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), post: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('view' as const), post: fc.nat(), reader: fc.nat() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('create-token' as const), name: validText(60) }),
  },
);

/** Reader ids of the reader cookie (22 characters of [\w-]). */
const READERS = ['fuzz-reader-one', 'fuzz-reader-two', 'fuzz-reader-three'].map((name) =>
  name.padEnd(22, '_'),
);

const pick = <T>(items: T[], index: number): T | undefined =>
  items.length === 0 ? undefined : items[index % items.length];

const isSuccess = (status: number) => status >= 200 && status < 300;

/** A route segment as the router hands it over; undefined when it does not decode (a 400). */
function decoded(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

describe('Fuzzing the write endpoints and the stream cursor', () => {
  let dataDir: string;
  let testApp: TestApp;
  let client: RawHttpClient;
  let editor: TestUser;
  let admin: TestUser;
  let victim: TestUser;
  /** Users whose sessions the sign-out and password-change fuzzers may end. */
  let leaver: TestUser;
  let accountHolder: TestUser;
  /** The editor's API token, and its id (never revoked by the fuzzer). */
  let token: string;
  let tokenId: number;
  let editorSession: Session;
  let adminSession: Session;
  /** Blogs the valid writes go to; the hostile ones may end `statusTarget` at any time. */
  let mainSlug: string;
  let postsSlug: string;
  let statusSlug: string;
  const validSlugs: string[] = [];
  const ledger = new Ledger();
  const tried: Record<string, number> = {};
  /** Per endpoint, how many answers of each status: the inputs reached validation, not only auth. */
  const answered: Record<string, Record<number, number>> = {};
  const countAnswer = (label: string, status: number) => {
    answered[label] ??= {};
    answered[label][status] = (answered[label][status] ?? 0) + 1;
  };
  let validRequests = 0;
  let addresses = 0;
  let validBlogs = 0;
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  /** A client address of its own (sign-in is limited per address). */
  const freshAddress = () => {
    addresses += 1;
    return `127.77.${Math.floor(addresses / 250) % 250}.${(addresses % 250) + 1}`;
  };

  const send = (request: RawRequest) => client.send(request);

  /** The blog a route's slug segment names: slugs are looked up trimmed, NFC, lower-cased. */
  const blogAt = (segment: string): BlogState | undefined => {
    const slug = decoded(segment);
    return slug === undefined ? undefined : ledger.blogs.get(normalizeSlug(slug));
  };

  const api = async (
    method: string,
    target: string,
    body?: unknown,
    expected?: number,
  ): Promise<any> => {
    const answer = await send({
      method,
      target,
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    });
    if (expected !== undefined && answer.status !== expected) {
      throw new Error(
        `${method} ${target} answered ${answer.status}, not ${expected}: ${answer.text.slice(0, 500)}`,
      );
    }
    return answer.json;
  };

  async function signInRaw(user: TestUser): Promise<Session> {
    const answer = await send({
      method: 'POST',
      target: '/api/auth/login',
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ email: user.email, password: PASSWORD })),
      localAddress: freshAddress(),
    });
    expect(answer.status).toBe(200);
    ledger.signedIn(user.id);
    return { cookie: sessionCookieOf(answer), csrfToken: answer.json.csrfToken as string };
  }

  function sessionCookieOf(answer: RawAnswer): string {
    const cookie = [answer.headers['set-cookie'] ?? []]
      .flat()
      .map((header) => header.split(';')[0])
      .find((pair) => pair.startsWith('liveblog_session='));
    expect(cookie).toBeDefined();
    return cookie!;
  }

  /**
   * Sign-out with a session of its own to end (the fuzzer's other sessions must stay), and
   * now and then a stranger's cookie instead.
   */
  async function fuzzSignOut(label: string, target: string, form: boolean): Promise<void> {
    const session = await signInRaw(leaver);
    let ended = false;
    await fuzzEndpoint({
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
        ledger.signedOut(leaver.id);
      },
    });
  }

  // -------------------------------------------------------------------------------------------
  // Valid writes
  // -------------------------------------------------------------------------------------------

  async function createValidBlog(title: string, description = ''): Promise<string> {
    validBlogs += 1;
    const slug = `valid-${validBlogs}`;
    const { blog } = await api('POST', '/api/blogs', { title, slug, description }, 201);
    expect(blog).toMatchObject({ slug, title: title.trim(), description: description.trim() });
    ledger.blogWritten(blog);
    validRequests += 1;
    return slug;
  }

  async function publishValid(
    slug: string,
    change: { body: string; pinned?: boolean; keyEvent?: boolean },
  ): Promise<void> {
    const { post, eventId } = await api('POST', `/api/blogs/${slug}/posts`, change, 201);
    expect(post).toMatchObject({ body: change.body, version: 1 });
    expect(eventId).toEqual(expect.any(Number));
    ledger.published(slug, post);
    validRequests += 1;
  }

  async function runValidOp(op: ValidOp): Promise<void> {
    const posts = [...ledger.posts.values()].filter((post) => validSlugs.includes(post.slug));
    switch (op.op) {
      case 'create-blog':
        validSlugs.push(await createValidBlog(op.title, op.description));
        return;
      case 'publish':
        await publishValid(pick(validSlugs, op.blog)!, {
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
        const answer = await api('PATCH', `/api/blogs/${post.slug}/posts/${post.id}`, change, 200);
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
        await api('DELETE', `/api/blogs/${post.slug}/posts/${post.id}`, undefined, 200);
        ledger.deleted(post.id);
        break;
      }
      case 'view': {
        const post = pick(posts, op.post);
        if (!post) return;
        const reader = pick(READERS, op.reader)!;
        const answer = await send({
          method: 'POST',
          target: `/blogs/${post.slug}/views`,
          headers: { 'Content-Type': 'application/json', Cookie: `liveblog_reader=${reader}` },
          body: Buffer.from(JSON.stringify({ postIds: [post.id] })),
        });
        expect(answer.status).toBe(204);
        ledger.viewed(reader, post.slug, [post.id]);
        break;
      }
      case 'create-token': {
        const answer = await api('POST', '/api/tokens', { name: op.name }, 201);
        expect(answer.token.name).toBe(op.name.trim());
        ledger.tokens.set(answer.token.id, {
          id: answer.token.id,
          userId: editor.id,
          name: answer.token.name,
        });
        break;
      }
    }
    validRequests += 1;
  }

  // -------------------------------------------------------------------------------------------
  // The server as it is, compared with the ledger
  // -------------------------------------------------------------------------------------------

  async function listPosts(slug: string): Promise<any[]> {
    const posts: any[] = [];
    for (let before: number | undefined; ;) {
      const query = before === undefined ? '' : `&before=${before}`;
      const page = await api(
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
  async function expectIntact(): Promise<void> {
    await testApp.app.get(ViewCounter).flush();
    const { blogs } = await api('GET', '/api/blogs', undefined, 200);
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
      const stored = (await listPosts(slug))
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
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const health = await send({ method: 'GET', target: '/health' });
    expect(health.status).toBe(200);
  }

  // -------------------------------------------------------------------------------------------
  // Hostile requests
  // -------------------------------------------------------------------------------------------

  interface Attempt<P> {
    params: P;
    body: BodySpec;
    auth: AuthSpec;
    accept: string | undefined;
    chunked: boolean;
    validOp: ValidOp | null;
  }

  interface WriteEndpoint<P> {
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
    session?: () => Session;
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

  function credentials(
    endpoint: Pick<WriteEndpoint<unknown>, 'form' | 'session'>,
    auth: AuthSpec,
    body: BodySpec,
  ): { headers: Record<string, string>; csrfField?: string } {
    const session = endpoint.session?.() ?? editorSession;
    switch (auth.mode) {
      case 'token':
        return { headers: { Authorization: `Bearer ${token}` } };
      case 'session':
        // A form carries its token as the hidden field, the admin's script as the header.
        return endpoint.form && carriesFields(body)
          ? { headers: { Cookie: session.cookie }, csrfField: session.csrfToken }
          : { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken } };
      case 'session-without-csrf':
        return { headers: { Cookie: session.cookie } };
      case 'session-wrong-csrf':
        return endpoint.form && carriesFields(body)
          ? { headers: { Cookie: session.cookie }, csrfField: auth.junk }
          : { headers: { Cookie: session.cookie, 'X-CSRF-Token': auth.junk } };
      case 'none':
        return { headers: {} };
      case 'unknown-token':
        return { headers: { Authorization: `Bearer ${auth.junk || 'x'}` } };
      case 'odd-authorization':
        return { headers: { Authorization: auth.junk } };
    }
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

  /** The contract's error: `{statusCode, message, error}`, message a string or strings. */
  function expectErrorShape(answer: RawAnswer): void {
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

  /** Runs `property` on `runs` inputs; a failure names the seed and path that replay it. */
  async function fuzz<T>(
    label: string,
    arbitrary: fc.Arbitrary<T>,
    property: (input: T) => Promise<void>,
    runs: number,
  ): Promise<void> {
    tried[label] ??= 0;
    await fc.assert(
      fc.asyncProperty(arbitrary, async (input) => {
        tried[label] += 1;
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

  async function fuzzEndpoint<P>(endpoint: WriteEndpoint<P>): Promise<void> {
    const arbitrary = fc.record({
      params: endpoint.params,
      body: endpoint.body,
      auth: endpoint.auth ?? authSpec(endpoint.form ? 'session' : 'token'),
      accept: acceptHeader,
      chunked: fc.constantFrom(false, false, false, true),
      validOp: oneIn(VALID_OP_ONE_IN, validOp),
    });
    await fuzz(
      endpoint.label,
      arbitrary,
      async (attempt) => {
        const { headers: auth, csrfField } = credentials(endpoint, attempt.auth, attempt.body);
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
          localAddress: endpoint.freshAddress ? freshAddress() : undefined,
        };
        let answer: RawAnswer | undefined;
        try {
          answer = await send(request);
          const { status } = answer;
          countAnswer(endpoint.label, status);
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
        if (attempt.validOp) await runValidOp(attempt.validOp);
      },
      endpoint.runs ?? RUNS,
    );
    await expectIntact();
  }

  /** A route segment: one of the given real ones (resolved when sent), or hostile. */
  const segment = (real: () => string[], weight = 1): fc.Arbitrary<() => string> =>
    fc.oneof(
      { weight, arbitrary: fc.nat().map((index) => () => pick(real(), index) ?? '1') },
      { weight: 3, arbitrary: hostileSegment.map((text) => () => text) },
    );

  /**
   * A route id segment, resolved once per attempt so the target and the checks agree. A random
   * one may well be "2": the ids of `spared` (the fuzzer's own user and token, which it needs
   * to go on) become "0" instead.
   */
  const idSegment = (real: () => number[], weight = 1, spared: () => number[] = () => []) =>
    segment(() => real().map(String), weight).map((resolve) => {
      let value: string | undefined;
      return () => {
        value ??= resolve();
        if (spared().includes(Number(decoded(value)))) value = '0';
        return value;
      };
    });
  /** The users and the token the fuzzer signs in with. */
  const fuzzerUsers = () => [admin.id, editor.id, leaver.id, accountHolder.id];
  const fuzzerToken = () => [tokenId];

  /** The ids of the postsSlug entries: the targets of the hostile edits and deletes. */
  const targetPostIds = () => ledger.postsIn(postsSlug).map((post) => post.id);
  /** The editor's tokens but the one the fuzzer signs in with. */
  const revocableTokenIds = (userId: number) =>
    [...ledger.tokens.values()]
      .filter((entry) => entry.userId === userId && entry.id !== tokenId)
      .map((entry) => entry.id);
  /** Users the fuzzer may change or remove: never those it signs in as. */
  const changeableUserIds = () =>
    [...ledger.users.values()]
      .filter((user) => !fuzzerUsers().includes(user.id))
      .map((user) => user.id);

  const blogDto = dtoFields({
    title: validText(80),
    slug: fc.oneof(
      fc.stringMatching(/^[a-z0-9]{1,12}(-[a-z0-9]{1,12}){0,3}$/),
      fc.constant('valid-1'),
    ),
    description: fc.string({ maxLength: 100 }),
  });
  const blogUpdateDto = dtoFields({
    title: validText(80),
    description: fc.string({ maxLength: 100 }),
    status: fc.constantFrom('live', 'ended'),
  });
  const postDto = dtoFields({ body: validBody, pinned: fc.boolean(), keyEvent: fc.boolean() });
  const postUpdateDto = dtoFields({
    body: validBody,
    pinned: fc.boolean(),
    keyEvent: fc.boolean(),
    version: fc.integer({ min: 0, max: 4 }),
  });
  const tokenDto = dtoFields({ name: validText(60) });
  const emailOf = (users: () => TestUser[]) =>
    fc.oneof(
      fc.emailAddress(),
      fc.nat().map((index) => pick(users(), index)!.email),
      fc.nat().map((index) => ` ${pick(users(), index)!.email.toUpperCase()} `),
    );
  const password = fc.oneof(fc.constant(PASSWORD), fc.string({ minLength: 10, maxLength: 40 }));

  // -------------------------------------------------------------------------------------------

  beforeAll(async () => {
    dataDir = makeDataDir();
    testApp = await startTestApp(dataDir, FUZZ_ENV);
    client = new RawHttpClient(testApp.url);
    admin = await createUser(testApp, { role: 'admin', email: 'fuzz-admin@example.test' });
    editor = await createUser(testApp, { email: 'fuzz-editor@example.test' });
    victim = await createUser(testApp, { email: 'fuzz-victim@example.test' });
    leaver = await createUser(testApp, { email: 'fuzz-leaver@example.test' });
    accountHolder = await createUser(testApp, { email: 'fuzz-account@example.test' });
    for (const user of [admin, editor, victim, leaver, accountHolder])
      ledger.users.set(user.id, { ...user, removed: false });
    token = await createApiToken(await signIn(testApp, editor), 'fuzz-script');
    ledger.signedIn(editor.id);
    const { tokens } = await api('GET', '/api/tokens', undefined, 200);
    tokenId = tokens[0].id;
    ledger.tokens.set(tokenId, { id: tokenId, userId: editor.id, name: 'fuzz-script' });
    editorSession = await signInRaw(editor);
    adminSession = await signInRaw(admin);

    mainSlug = await createValidBlog('Match day: the final');
    postsSlug = await createValidBlog('Entries under fire');
    statusSlug = await createValidBlog('A blog whose status is fuzzed');
    validSlugs.push(mainSlug, postsSlug);
    for (const body of ['Kick-off', 'Goal! **1-0**', 'a\u0000b \ud83d\ude00', 'Half-time']) {
      await publishValid(mainSlug, { body });
      await publishValid(postsSlug, { body });
    }
    await expectIntact();
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await testApp?.close();
    if (dataDir) removeDataDir(dataDir);
    const total = Object.values(tried).reduce((sum, count) => sum + count, 0);
    mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
    writeFileSync(
      COUNT_FILE,
      `${JSON.stringify({ seed: SEED, runsPerEndpoint: RUNS, total, validRequests, endpoints: tried, answers: answered }, null, 2)}\n`,
    );
    process.stdout.write(
      `fuzz: ${total} hostile inputs tried on ${Object.keys(tried).length} endpoints, ${validRequests} valid requests interleaved (seed ${SEED}; ${COUNT_FILE})\n`,
    );
  });

  describe('the JSON API', () => {
    it(
      'should answer POST /api/blogs with 2xx/4xx and create only what it answers 201 for',
      () =>
        fuzzEndpoint({
          label: 'POST /api/blogs',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/blogs',
          body: hostileBody(blogDto, ['title', 'slug', 'description']),
          absorb: (answer) => {
            expect(answer.status).toBe(201);
            ledger.blogWritten(answer.json.blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer PATCH /api/blogs/:slug with 2xx/4xx and change only what it answers 200 for',
      () =>
        fuzzEndpoint({
          label: 'PATCH /api/blogs/:slug',
          method: 'PATCH',
          params: segment(() => [statusSlug], 2),
          target: (slug) => `/api/blogs/${slug()}`,
          body: hostileBody(blogUpdateDto, ['title', 'description', 'status']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(ledger.blogs.has(answer.json.blog.slug)).toBe(true);
            ledger.blogWritten(answer.json.blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/blogs/:slug/posts with 2xx/4xx and publish only what it answers 201 for',
      () =>
        fuzzEndpoint({
          label: 'POST /api/blogs/:slug/posts',
          method: 'POST',
          params: segment(() => [postsSlug], 2),
          target: (slug) => `/api/blogs/${slug()}/posts`,
          body: hostileBody(postDto, ['body', 'pinned', 'keyEvent']),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(201);
            const blog = blogAt(params());
            expect(blog?.id).toBe(answer.json.post.blogId);
            ledger.published(blog!.slug, answer.json.post);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer PATCH /api/blogs/:slug/posts/:id with 2xx/4xx and edit only what it answers 200 for',
      () =>
        fuzzEndpoint({
          label: 'PATCH /api/blogs/:slug/posts/:id',
          method: 'PATCH',
          params: fc.record({
            slug: segment(() => [postsSlug], 6),
            id: idSegment(targetPostIds, 2),
          }),
          target: ({ slug, id }) => `/api/blogs/${slug()}/posts/${id()}`,
          id: ({ id }) => id(),
          body: hostileBody(postUpdateDto, ['body', 'pinned', 'keyEvent', 'version']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            ledger.edited(answer.json.post);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer DELETE /api/blogs/:slug/posts/:id with 2xx/4xx and delete only what it answers 200 for',
      () =>
        fuzzEndpoint({
          label: 'DELETE /api/blogs/:slug/posts/:id',
          method: 'DELETE',
          params: fc.record({ slug: segment(() => [postsSlug], 6), id: idSegment(targetPostIds) }),
          target: ({ slug, id }) => `/api/blogs/${slug()}/posts/${id()}`,
          id: ({ id }) => id(),
          body: fc.oneof(
            { weight: 3, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
            { weight: 1, arbitrary: hostileBody(postDto, ['body']) },
          ),
          expectAlso: (answer, { params, body, auth }) => {
            // Signed in and without a body, the id alone decides (contract: 400, 404, 200).
            if (!SIGNED_IN.has(auth.mode) || body.kind !== 'none') return;
            const kind = classifyId(params.id());
            if (decoded(params.slug()) === undefined || kind === 'malformed') {
              expect(answer.status).toBe(400);
            } else if (kind === 'well-formed') {
              const post = ledger.posts.get(Number(params.id()));
              const blog = blogAt(params.slug());
              expect(answer.status).toBe(post && post.slug === blog?.slug ? 200 : 404);
            }
          },
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(200);
            ledger.deleted(Number(params.id()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/tokens with 2xx/4xx and make only the tokens it answers 201 for',
      () =>
        fuzzEndpoint({
          label: 'POST /api/tokens',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/tokens',
          body: hostileBody(tokenDto, ['name']),
          absorb: (answer) => {
            expect(answer.status).toBe(201);
            expect(answer.json.secret).toEqual(expect.any(String));
            const { id, name } = answer.json.token;
            ledger.tokens.set(id, { id, userId: editor.id, name });
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer DELETE /api/tokens/:id with 2xx/4xx and revoke only the tokens it answers 204 for',
      () =>
        fuzzEndpoint({
          label: 'DELETE /api/tokens/:id',
          method: 'DELETE',
          params: idSegment(
            () => [...revocableTokenIds(editor.id), ...revocableTokenIds(admin.id)],
            1,
            fuzzerToken,
          ),
          target: (id) => `/api/tokens/${id()}`,
          id: (id) => id(),
          body: fc.oneof(
            { weight: 3, arbitrary: fc.constant<BodySpec>({ kind: 'none' }) },
            { weight: 1, arbitrary: hostileBody(tokenDto, ['name']) },
          ),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(204);
            // Only one's own tokens.
            expect(ledger.tokens.get(Number(params()))?.userId).toBe(editor.id);
            ledger.tokens.delete(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/preview with 2xx/4xx',
      () =>
        fuzzEndpoint({
          label: 'POST /api/preview',
          method: 'POST',
          params: fc.constant(null),
          target: () => '/api/preview',
          body: hostileBody(dtoFields({ body: validBody }), ['body']),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(answer.json.html).toEqual(expect.any(String));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/auth/login with 2xx/4xx and start a session only for the right password',
      () =>
        fuzzEndpoint({
          label: 'POST /api/auth/login',
          auth: authWithoutSession,
          method: 'POST',
          public: true,
          freshAddress: true,
          // Now and then another site's page (login CSRF): a 403.
          params: oneIn(
            4,
            fc.constantFrom('null', 'https://evil.example', 'http://127.0.0.1', 'not a url'),
          ),
          target: () => '/api/auth/login',
          extraHeaders: ({ params: origin }): Record<string, string> =>
            origin ? { Origin: origin } : {},
          body: hostileBody(
            dtoFields({ email: emailOf(() => [admin, editor, victim]), password }),
            ['email', 'password'],
          ),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(answer.json.csrfToken).toEqual(expect.any(String));
            ledger.signedIn(answer.json.user.id);
          },
          runs: LOGIN_RUNS,
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/auth/logout with 2xx/4xx and end only the session it was sent with',
      () => fuzzSignOut('POST /api/auth/logout', '/api/auth/logout', false),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/auth/setup with 4xx: the setup link is not guessable',
      () =>
        fuzzEndpoint({
          label: 'POST /api/auth/setup',
          freshAddress: true,
          method: 'POST',
          public: true,
          params: fc.constant(null),
          target: () => '/api/auth/setup',
          body: hostileBody(
            dtoFields({
              token: fc.string({ maxLength: 64 }),
              email: fc.emailAddress(),
              name: validText(40),
              password,
            }),
            ['token', 'email', 'name', 'password'],
          ),
          expectAlso: (answer) => expect(answer.status).toBeGreaterThanOrEqual(400),
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('the reader beacon', () => {
    it(
      'should answer POST /blogs/:slug/views with 2xx/4xx and count only the views it answers 204 for',
      () =>
        fuzzEndpoint({
          label: 'POST /blogs/:slug/views',
          method: 'POST',
          public: true,
          params: fc.record({
            slug: segment(() => [mainSlug, postsSlug], 4),
            reader: fc.oneof(
              { weight: 3, arbitrary: fc.constantFrom(...READERS) },
              {
                weight: 1,
                arbitrary: fc.constantFrom('', 'short', 'x'.repeat(23), 'a b'.padEnd(22, 'c')),
              },
              { weight: 1, arbitrary: fc.constant(undefined) },
            ),
          }),
          target: ({ slug }) => `/blogs/${slug()}/views`,
          extraHeaders: ({ params: { reader } }): Record<string, string> =>
            reader === undefined ? {} : { Cookie: `liveblog_reader=${reader}` },
          body: hostileBody(
            dtoFields({
              postIds: fc.oneof(
                fc.array(fc.nat({ max: 60 }), { maxLength: 5 }),
                fc.array(fc.integer(), { minLength: 99, maxLength: 102 }),
              ),
            }),
            ['postIds'],
          ),
          absorb: (answer, { params, body }) => {
            expect(answer.status).toBe(204);
            expect(READERS).toContain(params.reader);
            const blog = blogAt(params.slug());
            expect(blog).toBeDefined();
            ledger.viewed(params.reader!, blog!.slug, fieldOf(body, 'postIds') as unknown[]);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('the admin forms', () => {
    const formPost = (
      dto: fc.Arbitrary<Record<string, unknown>>,
      fields: string[],
    ): fc.Arbitrary<BodySpec> => hostileBody(dto, fields, { preferForm: true });

    it(
      'should answer POST /admin/blogs with 2xx/303/4xx and create only what it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/blogs',
          method: 'POST',
          form: true,
          params: fc.constant(null),
          target: () => '/admin/blogs',
          body: formPost(blogDto, ['title', 'slug', 'description']),
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const slug = String(answer.headers.location).replace('/admin/blogs/', '');
            expect(ledger.blogs.has(decodeURIComponent(slug))).toBe(false);
            ledger.blogWritten((await api('GET', `/api/blogs/${slug}`, undefined, 200)).blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/blogs/:slug/status with 303/4xx and change only what it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/blogs/:slug/status',
          method: 'POST',
          form: true,
          params: segment(() => [statusSlug], 3),
          target: (slug) => `/admin/blogs/${slug()}/status`,
          body: formPost(dtoFields({ status: fc.constantFrom('live', 'ended', 'paused') }), [
            'status',
          ]),
          absorb: async (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            const slug = percentEncode(blogAt(params())!.slug);
            const { blog } = await api('GET', `/api/blogs/${slug}`, undefined, 200);
            expect(blog.status).toBe(fieldOf(body, 'status'));
            ledger.blogWritten(blog);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/blogs/:slug/posts with 303/4xx and publish only what it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/blogs/:slug/posts',
          method: 'POST',
          form: true,
          params: segment(() => [postsSlug], 3),
          target: (slug) => `/admin/blogs/${slug()}/posts`,
          body: formPost(
            dtoFields({
              body: validBody,
              pinned: fc.constantFrom('true', 'false', 'on'),
              keyEvent: fc.constantFrom('true', 'false', 'on'),
            }),
            ['body', 'pinned', 'keyEvent'],
          ),
          absorb: async (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            // Any blog the slug names: the fuzzer's own may have made one of "1 ".
            const blog = blogAt(params());
            expect(blog).toBeDefined();
            const [newest] = (await listPosts(blog!.slug)).sort((a, b) => b.id - a.id);
            expect(newest.body).toBe(fieldOf(body, 'body'));
            ledger.published(blog!.slug, newest);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/tokens with 2xx/4xx and make only the tokens it answers 201 for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/tokens',
          method: 'POST',
          form: true,
          params: fc.constant(null),
          target: () => '/admin/tokens',
          body: formPost(tokenDto, ['name']),
          absorb: async (answer, { body }) => {
            expect(answer.status).toBe(201);
            const rows: TokenState[] = await testApp.database.query(
              'SELECT id, userId, name FROM api_tokens ORDER BY id',
            );
            const added = rows.filter((row) => !ledger.tokens.has(row.id));
            expect(added).toEqual([expect.objectContaining({ userId: editor.id })]);
            expect(added[0].name).toBe(String(fieldOf(body, 'name')).trim());
            ledger.tokens.set(added[0].id, added[0]);
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/tokens/:id/revoke with 303/4xx and revoke only the editor’s own tokens',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/tokens/:id/revoke',
          method: 'POST',
          form: true,
          params: idSegment(
            () => [...revocableTokenIds(editor.id), ...revocableTokenIds(admin.id)],
            1,
            fuzzerToken,
          ),
          target: (id) => `/admin/tokens/${id()}/revoke`,
          id: (id) => id(),
          body: formPost(dtoFields({}), []),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            // Unknown ids and other users' tokens redirect too, and revoke nothing.
            const revoked = ledger.tokens.get(Number(params()));
            if (classifyId(params()) === 'well-formed' && revoked?.userId === editor.id) {
              ledger.tokens.delete(revoked.id);
            }
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users with 303/4xx and invite only whom it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/users',
          method: 'POST',
          form: true,
          session: () => adminSession,
          params: fc.constant(null),
          target: () => '/admin/users',
          body: formPost(
            dtoFields({
              email: emailOf(() => [editor]),
              name: validText(40),
              role: fc.constantFrom('admin', 'editor', 'owner'),
              password,
            }),
            ['email', 'name', 'role', 'password'],
          ),
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const rows: Array<Omit<UserState, 'removed'>> = await testApp.database.query(
              'SELECT id, email, name, role FROM users ORDER BY id',
            );
            const added = rows.filter((row) => !ledger.users.has(row.id));
            expect(added).toHaveLength(1);
            ledger.users.set(added[0].id, { ...added[0], removed: false });
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/role with 303/4xx and change only the roles it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/users/:id/role',
          method: 'POST',
          form: true,
          session: () => adminSession,
          params: idSegment(changeableUserIds, 2, fuzzerUsers),
          target: (id) => `/admin/users/${id()}/role`,
          id: (id) => id(),
          body: formPost(dtoFields({ role: fc.constantFrom('admin', 'editor', 'owner') }), [
            'role',
          ]),
          absorb: (answer, { params, body }) => {
            expect(answer.status).toBe(303);
            const user = ledger.users.get(Number(params()));
            expect(user?.removed).toBe(false);
            expect(['admin', 'editor']).toContain(fieldOf(body, 'role'));
            user!.role = fieldOf(body, 'role') as string;
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/remove with 303/4xx and remove only whom it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/users/:id/remove',
          method: 'POST',
          form: true,
          session: () => adminSession,
          params: idSegment(changeableUserIds, 1, fuzzerUsers),
          target: (id) => `/admin/users/${id()}/remove`,
          id: (id) => id(),
          body: formPost(dtoFields({}), []),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            expect(ledger.users.get(Number(params()))?.removed).toBe(false);
            ledger.userRemoved(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/login with 303/4xx and start a session only for the right password',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/login',
          auth: authWithoutSession,
          method: 'POST',
          form: true,
          public: true,
          freshAddress: true,
          params: fc.constant(null),
          target: () => '/admin/login',
          body: formPost(
            dtoFields({
              email: emailOf(() => [admin, editor]),
              password,
              next: fc.constantFrom(
                '/admin',
                '/admin/tokens',
                '//evil.example',
                'https://evil.example',
                '/admin/../..',
              ),
            }),
            ['email', 'password', 'next'],
          ),
          expectAlso: (answer) => {
            // Never off to another site, whatever `next` says.
            if (answer.status === 303)
              expect(answer.headers.location).toMatch(/^\/admin(\/[\w\-./%]*)?$/);
          },
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const sessions: Array<{ userId: number; count: number }> = await testApp.database.query(
              'SELECT userId, COUNT(*) AS count FROM sessions GROUP BY userId',
            );
            const grown = sessions.filter(
              (row) => row.count === (ledger.sessions.get(row.userId) ?? 0) + 1,
            );
            expect(grown).toHaveLength(1);
            ledger.signedIn(grown[0].userId);
          },
          runs: LOGIN_RUNS,
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/logout with 303/4xx and end only the session it was sent with',
      () => fuzzSignOut('POST /admin/logout', '/admin/logout', true),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/account/password with 2xx/4xx and change only the password of the right one',
      async () => {
        let session = await signInRaw(accountHolder);
        await fuzzEndpoint({
          label: 'POST /admin/account/password',
          method: 'POST',
          form: true,
          freshAddress: true,
          session: () => session,
          params: fc.constant(null),
          target: () => '/admin/account/password',
          body: formPost(dtoFields({ currentPassword: password, newPassword: password }), [
            'currentPassword',
            'newPassword',
          ]),
          absorb: (answer, { body }) => {
            expect(answer.status).toBeLessThan(300);
            expect(fieldOf(body, 'currentPassword')).toBe(PASSWORD);
            // Every session of the account ends; the one that asked begins anew.
            ledger.passwordChanged(accountHolder.id);
            ledger.signedIn(accountHolder.id);
            const csrfToken = /name="_csrf" value="([^"]+)"/.exec(answer.text)?.[1];
            expect(csrfToken).toBeDefined();
            session = { cookie: sessionCookieOf(answer), csrfToken: csrfToken! };
            // Further changes need the new password: the fuzzer only ever sends the old one.
          },
        });
      },
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/users/:id/password with 303/4xx and set only the passwords it redirects for',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/users/:id/password',
          method: 'POST',
          form: true,
          session: () => adminSession,
          params: idSegment(changeableUserIds, 2, fuzzerUsers),
          target: (id) => `/admin/users/${id()}/password`,
          id: (id) => id(),
          body: formPost(dtoFields({ password }), ['password']),
          absorb: (answer, { params }) => {
            expect(answer.status).toBe(303);
            ledger.passwordChanged(Number(params()));
          },
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/setup with 4xx: the setup link is not guessable',
      () =>
        fuzzEndpoint({
          label: 'POST /admin/setup',
          freshAddress: true,
          method: 'POST',
          form: true,
          public: true,
          params: fc.constant(null),
          target: () => '/admin/setup',
          body: formPost(
            dtoFields({
              token: fc.string({ maxLength: 64 }),
              email: fc.emailAddress(),
              name: validText(40),
              password,
            }),
            ['token', 'email', 'name', 'password'],
          ),
          expectAlso: (answer) => expect(answer.status).toBeGreaterThanOrEqual(400),
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('GET /blogs/:slug/events', () => {
    /** Cursor text as sent: "near the newest id" resolved now, with any leading zeros. */
    const resolveCursor = (cursor: CursorText, newest: number): string =>
      cursor.kind === 'text'
        ? cursor.text
        : `${'0'.repeat(cursor.zeros)}${Math.max(newest + cursor.offset, 0)}`;

    /** The contract's resume rules: where a stream with this header and query starts. */
    function expectedStart(
      header: string | undefined,
      query: string,
      newest: number,
    ): { kind: 'none' } | { kind: 'reset' } | { kind: 'after'; eventId: number } {
      const parseQuery =
        (testApp.app.getHttpAdapter().getInstance().get('query parser fn') as
          ((text: string) => Record<string, unknown>) | undefined) ?? parseQueryString;
      // A server reads a header value without the spaces and tabs around it.
      const trimmed = header?.replace(/^[ \t]+|[ \t]+$/g, '');
      const given: unknown = trimmed ? trimmed : parseQuery(query).after;
      if (given === undefined) return { kind: 'none' };
      if (typeof given !== 'string' || !/^\d+$/.test(given)) return { kind: 'reset' };
      if (BigInt(given) > BigInt(newest)) return { kind: 'reset' };
      return { kind: 'after', eventId: Number(given) };
    }

    function queryText(query: StreamQuery | null, newest: number): string {
      if (query === null) return '';
      if (query.kind === 'raw') return query.text;
      return `after=${percentEncode(resolveCursor(query.cursor, newest))}`;
    }

    it(
      'should open every stream of a known blog with 200 and start it by the resume rules, never 500',
      async () => {
        const label = 'GET /blogs/:slug/events';
        const input = fc.record({
          blog: fc.constantFrom('main', 'posts', 'status', 'unknown'),
          unknownSlug: hostileSegment,
          header: oneIn(2, cursorText),
          query: oneIn(2, streamQuery),
          validOp: oneIn(VALID_OP_ONE_IN, validOp),
        });
        await fuzz(
          label,
          input,
          async ({ blog, unknownSlug, header, query, validOp: op }) => {
            const events: Array<{ id: number; blogId: number; type: string }> =
              await testApp.database.query('SELECT id, blogId, type FROM events ORDER BY id');
            const newest = events.at(-1)?.id ?? 0;
            const slug = {
              main: mainSlug,
              posts: postsSlug,
              status: statusSlug,
              unknown: unknownSlug,
            }[blog];
            const headerText = header === null ? undefined : resolveCursor(header, newest);
            const query_ = queryText(query, newest);
            const url = `${testApp.url}/blogs/${slug}/events${query_ ? `?${query_}` : ''}`;
            const context = `GET ${url.slice(0, 300)}\n  Last-Event-ID: ${headerText?.slice(0, 100)}`;
            const reader = await RawSseReader.open(url, {
              headers: headerText === undefined ? {} : { 'Last-Event-ID': headerText },
            });
            try {
              countAnswer(label, reader.status);
              // Node refuses a request head over 16 KB (a 4,000-character cursor, percent-encoded
              // in the URL, can be three times that) before the app sees it.
              const headBytes =
                Buffer.byteLength(url) + Buffer.byteLength(headerText ?? '', 'latin1');
              if (reader.status === 431 && headBytes > 15_000) return;
              // A hostile blog created earlier may hold this very slug.
              const known = blogAt(slug);
              if (!known) {
                await reader.waitForEnd();
                expect(reader.status).toBe(decoded(slug) === undefined ? 400 : 404);
                expectErrorShape({
                  status: reader.status,
                  headers: reader.headers,
                  text: reader.text,
                  json: JSON.parse(reader.text),
                });
                return;
              }
              expect(reader.status).toBe(200);
              expect(reader.headers['content-type']).toMatch(/^text\/event-stream/);
              expect(reader.headers['cache-control']).toBe('no-cache, no-transform');
              expect(reader.headers['x-accel-buffering']).toBe('no');
              const blogId = known.id;
              const start = expectedStart(headerText, query_, newest);
              const replay = events.filter(
                (event) =>
                  event.blogId === blogId && start.kind === 'after' && event.id > start.eventId,
              );
              if (start.kind === 'reset' || replay.length > 0) {
                await reader.waitFor(
                  (body) => body.durableEvents.length > 0,
                  'the first durable event',
                  5_000,
                );
                const [first] = reader.durableEvents;
                if (start.kind === 'reset') {
                  expect(first).toMatchObject({ event: 'reset', id: String(newest) });
                  expect(JSON.parse(first.data)).toEqual({ reason: expect.any(String) });
                } else {
                  expect(first).toMatchObject({ event: replay[0].type, id: String(replay[0].id) });
                }
              } else {
                // Nothing to replay: the first event is the ephemeral count of readers.
                await reader.waitFor((body) => body.events.length > 0, 'the first event', 5_000);
                expect(reader.durableEvents).toEqual([]);
              }
              expect(reader.text.startsWith('retry: ')).toBe(true);
            } catch (error) {
              throw new Error(
                `${context}\n${error instanceof Error ? error.message : String(error)}`,
              );
            } finally {
              reader.close();
            }
            if (op) await runValidOp(op);
          },
          RUNS * 2,
        );
        // Every stream the fuzzer opened is closed and released.
        const streams = testApp.app.get(StreamService);
        await waitUntil(
          () => streams.openStreams() === 0,
          () => `${streams.openStreams()} streams open`,
        );
        await expectIntact();
      },
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
