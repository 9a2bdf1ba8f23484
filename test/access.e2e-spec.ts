import { Logger } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiTokensService } from '../src/auth/api-tokens.service';
import { Session } from '../src/auth/session.entity';
import { SetupService } from '../src/auth/setup.service';
import type { User, UserRole } from '../src/auth/user.entity';
import { UsersService } from '../src/auth/users.service';
import { createBlog, createUser, PASSWORD, publishPost, TestUser } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/*
 * Who may do what, route by route: every route of the API, the reader pages and the admin UI
 * against every kind of caller, the CSRF token of every cookie-authenticated write, and the
 * life of a session. Real app, real SQLite file, real HTTP (node:http, so cookies, redirects
 * and streams are seen exactly as sent).
 */

/** Sign-in attempts one app takes from one address (and for one account) before a 429. */
const SIGN_INS_PER_APP = 10;
const ENV = { API_WRITE_RATE_LIMIT: '1000000' };
const ARTIFACT = join(__dirname, 'artifacts', 'role-boundaries.json');
const SESSION_COOKIE = 'liveblog_session';
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

const unique = (() => {
  let n = 0;
  return () => `${process.pid}-${++n}`;
})();
const randomSecret = () => randomBytes(32).toString('base64url');

// ---------------------------------------------------------------------------------------------
// HTTP

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

interface RawRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  json?: unknown;
  form?: Record<string, string>;
}

/**
 * One request on its own connection. A stream's answer resolves at its headers and is hung
 * up; redirects are not followed.
 */
function send(baseUrl: string, request: RawRequest): Promise<Exchange> {
  const headers: Record<string, string> = { ...request.headers };
  let body: Buffer | undefined;
  if (request.json !== undefined) {
    body = Buffer.from(JSON.stringify(request.json));
    headers['Content-Type'] = 'application/json';
  } else if (request.form !== undefined) {
    body = Buffer.from(new URLSearchParams(request.form).toString());
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
  }
  if (body) headers['Content-Length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(baseUrl);
    // The path goes out as written, not normalized (`/admin//users`, `/ADMIN/USERS`).
    const outgoing = http.request(
      { host: hostname, port, path: request.path, method: request.method, headers, agent: false },
      (response) => {
        const exchange = { status: response.statusCode ?? 0, headers: response.headers };
        if (String(response.headers['content-type']).startsWith('text/event-stream')) {
          response.destroy();
          resolve({ ...exchange, text: '' });
          return;
        }
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ ...exchange, text: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

function jsonOf(exchange: Exchange): any {
  try {
    return JSON.parse(exchange.text);
  } catch {
    return { notJson: exchange.text.slice(0, 200) };
  }
}

/** A Set-Cookie that tells the browser to drop the cookie. */
const isClearing = (setCookie: string) =>
  /;\s*(expires=thu, 01 jan 1970|max-age=0\b)/i.test(setCookie);

/** The `name=value` of the session cookie an answer sets (not one it clears), if any. */
function sessionCookieSet(exchange: Exchange): string | undefined {
  const cookie = (exchange.headers['set-cookie'] ?? []).find((c) =>
    c.startsWith(`${SESSION_COOKIE}=`),
  );
  return cookie && !isClearing(cookie) ? cookie.split(';')[0] : undefined;
}

/** The rows that say what the app holds (not sessions, whose expiry a request may clean up). */
async function contentSnapshot(testApp: TestApp): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['users', 'api_tokens', 'blogs', 'posts', 'events']) {
    const rows: Array<Record<string, unknown>> = await testApp.database.query(
      `SELECT * FROM "${table}" ORDER BY rowid`,
    );
    // A token's use is recorded even when the route then refuses it.
    snapshot[table] = rows.map(({ lastUsedAt: _lastUsedAt, ...row }) => row);
  }
  return snapshot;
}

// ---------------------------------------------------------------------------------------------
// A signed-in browser, a script, and the world they act in

interface SessionCredentials {
  /** `liveblog_session=...` exactly as the server set it. */
  cookie: string;
  csrfToken: string;
}

interface Credentials {
  cookie?: string;
  csrfToken?: string;
  bearer?: string;
  /** The current account the caller acts as, if any. */
  user?: User;
}

type Role = UserRole;

/**
 * One app with its users and fixtures, replaced by a fresh one when its sign-in allowance
 * would run out. Sessions are made by really signing in (the cookie is opaque to the tests),
 * and kept until a route ends them.
 */
class World {
  testApp!: TestApp;
  private dataDir?: string;
  private signIns = 0;
  users!: Record<
    'editor' | 'admin' | 'removedAdmin' | 'lapsed' | 'target' | 'signInTarget',
    TestUser
  >;
  entities!: Record<Role, User>;
  apiTokens!: Record<Role, string>;
  blog!: { slug: string };
  post!: { id: number };
  readerCookie!: string;
  private sessions = new Map<Role, SessionCredentials>();
  private removed?: SessionCredentials & { bearer: string };
  private expired?: SessionCredentials & { row: Session };

  get url(): string {
    return this.testApp.url;
  }

  async open(): Promise<void> {
    this.dataDir = makeDataDir();
    this.testApp = await startTestApp(this.dataDir, ENV);
    this.signIns = 0;
    this.sessions.clear();
    this.removed = undefined;
    this.expired = undefined;
    const t = this.testApp;
    this.users = {
      editor: await createUser(t, { name: 'Eddie Editor' }),
      admin: await createUser(t, { role: 'admin', name: 'Ada Admin' }),
      removedAdmin: await createUser(t, { role: 'admin', name: 'Rex Removed' }),
      lapsed: await createUser(t, { name: 'Lee Lapsed' }),
      target: await createUser(t, { name: 'Tia Target' }),
      signInTarget: await createUser(t, { name: 'Sam Signin' }),
    };
    this.entities = { editor: await this.entity('editor'), admin: await this.entity('admin') };
    this.apiTokens = {
      editor: (await this.tokensService.create(this.entities.editor, 'editor script')).secret,
      admin: (await this.tokensService.create(this.entities.admin, 'admin script')).secret,
    };
    this.blog = await createBlog(t, this.apiTokens.admin, { title: 'Access fixture' });
    this.post = (await publishPost(t, this.apiTokens.admin, this.blog.slug)).post as { id: number };
    const page = await send(this.url, { method: 'GET', path: `/blogs/${this.blog.slug}` });
    this.readerCookie = (page.headers['set-cookie'] ?? [])
      .find((c) => c.startsWith('liveblog_reader='))!
      .split(';')[0];
  }

  async close(): Promise<void> {
    if (!this.dataDir) return;
    await this.testApp.close();
    removeDataDir(this.dataDir);
    this.dataDir = undefined;
  }

  get tokensService(): ApiTokensService {
    return this.testApp.app.get(ApiTokensService);
  }

  get usersService(): UsersService {
    return this.testApp.app.get(UsersService);
  }

  async entity(name: keyof World['users']): Promise<User> {
    return (await this.usersService.findByEmail(this.users[name].email))!;
  }

  /** Makes sure `count()` more sign-ins fit, moving to a fresh app if they would not. */
  async makeRoomForSignIns(count: () => number): Promise<void> {
    if (this.signIns + count() <= SIGN_INS_PER_APP) return;
    await this.close();
    await this.open();
    if (count() > SIGN_INS_PER_APP) throw new Error(`${count()} sign-ins cannot fit one app`);
  }

  /** Counts a sign-in attempt the test is about to make. */
  spendSignIn(): void {
    this.signIns += 1;
    if (this.signIns > SIGN_INS_PER_APP) throw new Error('More sign-ins than one app allows');
  }

  async signIn(user: TestUser): Promise<SessionCredentials> {
    this.spendSignIn();
    const response = await send(this.url, {
      method: 'POST',
      path: '/api/auth/login',
      json: { email: user.email, password: PASSWORD },
    });
    if (response.status !== 200) throw new Error(`Sign-in failed: ${response.text}`);
    return { cookie: sessionCookieSet(response)!, csrfToken: jsonOf(response).csrfToken as string };
  }

  hasSession(role: Role): boolean {
    return this.sessions.has(role);
  }

  async session(role: Role): Promise<SessionCredentials> {
    let session = this.sessions.get(role);
    if (!session) {
      session = await this.signIn(this.users[role]);
      this.sessions.set(role, session);
    }
    return session;
  }

  /** The route ended this session (sign-out, or a new sign-in from the same browser). */
  forgetSession(role: Role): void {
    this.sessions.delete(role);
  }

  hasRemovedAdmin(): boolean {
    return this.removed !== undefined;
  }

  /** A session and an API token of an admin who was then removed. */
  async removedAdmin(): Promise<SessionCredentials & { bearer: string }> {
    if (!this.removed) {
      const session = await this.signIn(this.users.removedAdmin);
      const user = await this.entity('removedAdmin');
      const { secret } = await this.tokensService.create(user, 'old script');
      await this.usersService.remove(user.id);
      this.removed = { ...session, bearer: secret };
    }
    return this.removed;
  }

  hasExpiredSession(): boolean {
    return this.expired !== undefined;
  }

  /**
   * A session past its end. Using it deletes it, so its row is put back, still expired,
   * before each use.
   */
  async expiredSession(): Promise<SessionCredentials> {
    const sessions = this.testApp.database.getRepository(Session);
    if (!this.expired) {
      const session = await this.signIn(this.users.lapsed);
      const row = (await sessions.findOneBy({ userId: this.users.lapsed.id }))!;
      row.expiresAt = new Date(Date.now() - 60_000);
      this.expired = { ...session, row };
    }
    await sessions.save({ ...this.expired.row });
    return this.expired;
  }
}

// ---------------------------------------------------------------------------------------------
// Callers

interface Caller {
  name: string;
  /** Who the server must take the caller for: nobody, or a user signed in one way. */
  as: { role: Role; by: 'session' | 'token' } | null;
  /** Sign-ins `credentials` would make now. */
  signInsNeeded(world: World): number;
  credentials(world: World): Promise<Credentials>;
}

const sessionCaller = (role: Role): Caller => ({
  name: `${role} session`,
  as: { role, by: 'session' },
  signInsNeeded: (world) => (world.hasSession(role) ? 0 : 1),
  credentials: async (world) => ({ ...(await world.session(role)), user: world.entities[role] }),
});

const tokenCaller = (role: Role): Caller => ({
  name: `${role} API token`,
  as: { role, by: 'token' },
  signInsNeeded: () => 0,
  credentials: (world) =>
    Promise.resolve({ bearer: world.apiTokens[role], user: world.entities[role] }),
});

const CALLERS: Caller[] = [
  {
    name: 'anonymous',
    as: null,
    signInsNeeded: () => 0,
    credentials: () => Promise.resolve({}),
  },
  sessionCaller('editor'),
  sessionCaller('admin'),
  tokenCaller('editor'),
  tokenCaller('admin'),
  {
    name: "removed admin's old session",
    as: null,
    signInsNeeded: (world) => (world.hasRemovedAdmin() ? 0 : 1),
    credentials: async (world) => {
      const { cookie, csrfToken } = await world.removedAdmin();
      return { cookie, csrfToken };
    },
  },
  {
    name: "removed admin's old API token",
    as: null,
    signInsNeeded: (world) => (world.hasRemovedAdmin() ? 0 : 1),
    credentials: async (world) => ({ bearer: (await world.removedAdmin()).bearer }),
  },
  {
    name: 'expired session cookie',
    as: null,
    signInsNeeded: (world) => (world.hasExpiredSession() ? 0 : 1),
    credentials: async (world) => {
      const { cookie, csrfToken } = await world.expiredSession();
      return { cookie, csrfToken };
    },
  },
  {
    name: 'forged session cookie',
    as: null,
    signInsNeeded: () => 0,
    credentials: () =>
      Promise.resolve({ cookie: `${SESSION_COOKIE}=${randomSecret()}`, csrfToken: randomSecret() }),
  },
  {
    name: 'garbage bearer token',
    as: null,
    signInsNeeded: () => 0,
    credentials: () => Promise.resolve({ bearer: `lbt_${randomSecret()}` }),
  },
];

// ---------------------------------------------------------------------------------------------
// Routes

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
type Access = 'public' | 'signed-in' | 'admin';

/** What one request to a route sends, besides the caller's credentials. */
interface RouteRequest {
  path: string;
  json?: unknown;
  form?: Record<string, string>;
  cookies?: string[];
  accept?: string;
}

interface Route {
  method: Method;
  /** The route as the app registers it. */
  path: string;
  access: Access;
  /** A fresh request for this caller (`user`: the caller's account, when it has one). */
  request(world: World, user: User | undefined): Promise<RouteRequest> | RouteRequest;
  /** The answer when the caller may: the status, and where a redirect goes. */
  allowed: { status: number; location?: string };
  /** Sign-in attempts the request itself counts as (sign-in and setup forms). */
  signIns?: number;
  /** The request ends the session of the browser that sends it. */
  endsSession?: boolean;
}

const isAdminUi = (route: Route) => route.path === '/admin' || route.path.startsWith('/admin/');
const isApi = (route: Route) => route.path.startsWith('/api/');

/** Whose token a route that takes a token id gets: the caller's own, else an editor's. */
async function freshTokenId(world: World, user: User | undefined): Promise<number> {
  const { token } = await world.tokensService.create(user ?? world.entities.editor, 'to revoke');
  return token.id;
}

const setupForm = () => ({
  token: randomSecret(),
  email: `late-${unique()}@example.test`,
  name: 'Late Comer',
  password: 'a long password',
});

const ROUTES: Route[] = [
  // Sign-in, sign-out, setup (JSON)
  {
    method: 'POST',
    path: '/api/auth/login',
    access: 'public',
    signIns: 1,
    endsSession: true,
    request: (w) => ({
      path: '/api/auth/login',
      json: { email: w.users.signInTarget.email, password: PASSWORD },
    }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/auth/logout',
    access: 'signed-in',
    endsSession: true,
    request: () => ({ path: '/api/auth/logout' }),
    allowed: { status: 204 },
  },
  {
    method: 'GET',
    path: '/api/auth/me',
    access: 'signed-in',
    request: () => ({ path: '/api/auth/me' }),
    allowed: { status: 200 },
  },
  {
    // With users in place there is no setup link: every caller is told so, alike.
    method: 'POST',
    path: '/api/auth/setup',
    access: 'public',
    signIns: 1,
    request: () => ({ path: '/api/auth/setup', json: setupForm() }),
    allowed: { status: 403 },
  },
  // API tokens
  {
    method: 'POST',
    path: '/api/tokens',
    access: 'signed-in',
    request: () => ({ path: '/api/tokens', json: { name: 'another script' } }),
    allowed: { status: 201 },
  },
  {
    method: 'GET',
    path: '/api/tokens',
    access: 'signed-in',
    request: () => ({ path: '/api/tokens' }),
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/tokens/:id',
    access: 'signed-in',
    request: async (w, user) => ({ path: `/api/tokens/${await freshTokenId(w, user)}` }),
    allowed: { status: 204 },
  },
  // Blogs and entries
  {
    method: 'GET',
    path: '/api/blogs',
    access: 'public',
    request: () => ({ path: '/api/blogs' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/blogs',
    access: 'signed-in',
    request: () => ({ path: '/api/blogs', json: { title: `Blog ${unique()}` } }),
    allowed: { status: 201 },
  },
  {
    method: 'GET',
    path: '/api/blogs/:slug',
    access: 'public',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}` }),
    allowed: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/blogs/:slug',
    access: 'signed-in',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}`, json: { description: unique() } }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/api/blogs/:slug/posts',
    access: 'public',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}/posts` }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/blogs/:slug/posts',
    access: 'signed-in',
    request: (w) => ({ path: `/api/blogs/${w.blog.slug}/posts`, json: { body: unique() } }),
    allowed: { status: 201 },
  },
  {
    method: 'PATCH',
    path: '/api/blogs/:slug/posts/:id',
    access: 'signed-in',
    request: (w) => ({
      path: `/api/blogs/${w.blog.slug}/posts/${w.post.id}`,
      json: { body: unique() },
    }),
    allowed: { status: 200 },
  },
  {
    method: 'DELETE',
    path: '/api/blogs/:slug/posts/:id',
    access: 'signed-in',
    request: async (w) => {
      const { post } = await publishPost(w.testApp, w.apiTokens.admin, w.blog.slug);
      return { path: `/api/blogs/${w.blog.slug}/posts/${post.id}` };
    },
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/preview',
    access: 'signed-in',
    request: () => ({ path: '/api/preview', json: { body: '*Preview*' } }),
    allowed: { status: 200 },
  },
  // Reader pages, the stream, the view beacon, health
  {
    method: 'GET',
    path: '/',
    access: 'public',
    request: () => ({ path: '/', accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}`, accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/posts/:id',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/posts/${w.post.id}`, accept: BROWSER_ACCEPT }),
    allowed: { status: 200 },
  },
  {
    method: 'GET',
    path: '/blogs/:slug/events',
    access: 'public',
    request: (w) => ({ path: `/blogs/${w.blog.slug}/events`, accept: 'text/event-stream' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/blogs/:slug/views',
    access: 'public',
    request: (w) => ({
      path: `/blogs/${w.blog.slug}/views`,
      json: { postIds: [w.post.id] },
      cookies: [w.readerCookie],
    }),
    allowed: { status: 204 },
  },
  {
    method: 'GET',
    path: '/health',
    access: 'public',
    request: () => ({ path: '/health' }),
    allowed: { status: 200 },
  },
  // The admin UI: signing in and out, setup
  {
    method: 'GET',
    path: '/admin/login',
    access: 'public',
    request: () => ({ path: '/admin/login' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/login',
    access: 'public',
    signIns: 1,
    endsSession: true,
    request: (w) => ({
      path: '/admin/login',
      form: { email: w.users.signInTarget.email, password: PASSWORD },
    }),
    allowed: { status: 303, location: '/admin' },
  },
  {
    method: 'POST',
    path: '/admin/logout',
    access: 'signed-in',
    endsSession: true,
    request: () => ({ path: '/admin/logout', form: {} }),
    allowed: { status: 303, location: '/admin/login' },
  },
  {
    // No setup link once users exist: the page says the link is not valid, to anyone.
    method: 'GET',
    path: '/admin/setup',
    access: 'public',
    request: () => ({ path: `/admin/setup?token=${randomSecret()}` }),
    allowed: { status: 404 },
  },
  {
    method: 'POST',
    path: '/admin/setup',
    access: 'public',
    signIns: 1,
    request: () => ({ path: '/admin/setup', form: setupForm() }),
    allowed: { status: 404 },
  },
  // The admin UI: blogs
  {
    method: 'GET',
    path: '/admin',
    access: 'signed-in',
    request: () => ({ path: '/admin' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/blogs',
    access: 'signed-in',
    request: () => ({ path: '/admin/blogs', form: { title: `Form blog ${unique()}` } }),
    allowed: { status: 303 },
  },
  {
    method: 'POST',
    path: '/admin/blogs/:slug/status',
    access: 'signed-in',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}/status`, form: { status: 'live' } }),
    allowed: { status: 303, location: '/admin' },
  },
  {
    method: 'POST',
    path: '/admin/blogs/:slug/posts',
    access: 'signed-in',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}/posts`, form: { body: unique() } }),
    allowed: { status: 303 },
  },
  {
    method: 'GET',
    path: '/admin/blogs/:slug',
    access: 'signed-in',
    request: (w) => ({ path: `/admin/blogs/${w.blog.slug}` }),
    allowed: { status: 200 },
  },
  // The admin UI: API tokens
  {
    method: 'GET',
    path: '/admin/tokens',
    access: 'signed-in',
    request: () => ({ path: '/admin/tokens' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/tokens',
    access: 'signed-in',
    request: () => ({ path: '/admin/tokens', form: { name: 'form script' } }),
    allowed: { status: 201 },
  },
  {
    method: 'POST',
    path: '/admin/tokens/:id/revoke',
    access: 'signed-in',
    request: async (w, user) => ({
      path: `/admin/tokens/${await freshTokenId(w, user)}/revoke`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/tokens' },
  },
  // The admin UI: one's own account
  {
    method: 'GET',
    path: '/admin/account',
    access: 'signed-in',
    request: () => ({ path: '/admin/account' }),
    allowed: { status: 200 },
  },
  {
    // A wrong current password: the form is shown again, and the caller's sessions and
    // tokens, which a change would end, stay for the next cells.
    method: 'POST',
    path: '/admin/account/password',
    access: 'signed-in',
    signIns: 1,
    request: () => ({
      path: '/admin/account/password',
      form: { currentPassword: 'not the password', newPassword: 'a brand new password' },
    }),
    allowed: { status: 400 },
  },
  // The admin UI: users (admins only)
  {
    method: 'GET',
    path: '/admin/users',
    access: 'admin',
    request: () => ({ path: '/admin/users' }),
    allowed: { status: 200 },
  },
  {
    method: 'POST',
    path: '/admin/users',
    access: 'admin',
    request: () => ({
      path: '/admin/users',
      form: {
        email: `invited-${unique()}@example.test`,
        name: 'Ivy Invited',
        role: 'admin',
        password: 'a long password',
      },
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/role',
    access: 'admin',
    request: (w) => ({ path: `/admin/users/${w.users.target.id}/role`, form: { role: 'editor' } }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/password',
    access: 'admin',
    request: (w) => ({
      path: `/admin/users/${w.users.target.id}/password`,
      form: { password: 'a password set by an admin' },
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
  {
    method: 'POST',
    path: '/admin/users/:id/remove',
    access: 'admin',
    request: async (w) => ({
      path: `/admin/users/${(await createUser(w.testApp, { name: 'Short Stay' })).id}/remove`,
      form: {},
    }),
    allowed: { status: 303, location: '/admin/users' },
  },
];

const routeKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

/**
 * The routes the running app answers, from Express's router. Nest also puts middleware in
 * that router as route layers: those bound to every method (`forRoutes('*')`) are left out;
 * those bound to a controller's paths repeat the controller's routes.
 */
function servedRoutes(testApp: TestApp): string[] {
  interface Layer {
    route?: { path: string; methods: Record<string, boolean> };
  }
  const express = testApp.app.getHttpAdapter().getInstance() as { router: { stack: Layer[] } };
  const routes = new Set<string>();
  for (const { route } of express.router.stack) {
    if (!route) continue;
    const methods = Object.keys(route.methods).filter((method) => route.methods[method]);
    const everyMethod = ['get', 'post', 'put', 'patch', 'delete'].every((m) => methods.includes(m));
    if (everyMethod) continue;
    for (const method of methods) routes.add(routeKey(method, route.path));
  }
  return [...routes].sort();
}

// ---------------------------------------------------------------------------------------------
// What each caller must get

type Outcome =
  | { kind: 'allowed'; status: number; location?: string }
  | { kind: 'not signed in' }
  | { kind: 'sign in first' }
  | { kind: 'wrong role' }
  | { kind: 'session only' };

/**
 * The rule. Public routes answer everyone alike. Otherwise someone must be signed in: the
 * API answers 401, the admin pages send a browser to the sign-in form. The admin UI is for
 * people, signed in with a session: an API token (made for scripts) does not open it
 * (admin-page.ts: "Admin pages are only reached with a session"). Users pages are for admins.
 */
function outcomeFor(route: Route, caller: Caller): Outcome {
  if (route.access === 'public') return { kind: 'allowed', ...route.allowed };
  if (!caller.as)
    return isAdminUi(route) && route.method === 'GET'
      ? { kind: 'sign in first' }
      : { kind: 'not signed in' };
  if (isAdminUi(route) && caller.as.by === 'token') return { kind: 'session only' };
  if (route.access === 'admin' && caller.as.role !== 'admin') return { kind: 'wrong role' };
  return { kind: 'allowed', ...route.allowed };
}

function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'allowed':
      return `${outcome.status}`;
    case 'not signed in':
      return '401';
    case 'sign in first':
      return '303 to the sign-in form';
    case 'wrong role':
      return '403 (role)';
    case 'session only':
      return '403 (admin UI needs a session)';
  }
}

/**
 * The request a caller sends: its cookie or token, and on writes a CSRF token: by default
 * the caller's own, if it has one; `null` for none.
 */
function rawRequest(
  route: Route,
  spec: RouteRequest,
  credentials: Credentials,
  csrfToken: string | null = credentials.csrfToken ?? null,
): RawRequest {
  const headers: Record<string, string> = {
    Accept: spec.accept ?? (isAdminUi(route) ? BROWSER_ACCEPT : 'application/json'),
  };
  const cookies = [...(spec.cookies ?? []), ...(credentials.cookie ? [credentials.cookie] : [])];
  if (cookies.length > 0) headers.Cookie = cookies.join('; ');
  if (credentials.bearer) headers.Authorization = `Bearer ${credentials.bearer}`;
  let form = spec.form;
  if (route.method !== 'GET' && csrfToken !== null) {
    // HTML forms carry the token as a hidden field, scripts as a header.
    if (form) form = { ...form, _csrf: csrfToken };
    else headers['X-CSRF-Token'] = csrfToken;
  }
  return { method: route.method, path: spec.path, headers, json: spec.json, form };
}

function expectOutcome(route: Route, spec: RouteRequest, outcome: Outcome, got: Exchange): void {
  const seen = { status: got.status, location: got.headers.location };
  switch (outcome.kind) {
    case 'allowed':
      expect(seen).toEqual({
        status: outcome.status,
        location: outcome.location ?? (got.status === 303 ? expect.any(String) : undefined),
      });
      return;
    case 'sign in first':
      expect(seen).toEqual({
        status: 303,
        location: `/admin/login?next=${encodeURIComponent(spec.path)}`,
      });
      return;
    case 'not signed in':
      expect(seen).toEqual({ status: 401, location: undefined });
      if (isApi(route)) {
        expect(jsonOf(got)).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: expect.any(String),
        });
      }
      expect(sessionCookieSet(got)).toBeUndefined();
      return;
    case 'wrong role':
    case 'session only':
      expect(seen).toEqual({ status: 403, location: undefined });
      // Refused for who the caller is, not for a missing CSRF token.
      expect(got.text).not.toMatch(/CSRF/i);
      if (isApi(route)) expect(jsonOf(got)).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      else expect(got.text).toContain('Not allowed');
      return;
  }
}

const TALLIES = [
  'roleBoundaries',
  'csrfCases',
  'sameOriginCases',
  'pathVariants',
  'sessionChecks',
] as const;
const tallies = Object.fromEntries(TALLIES.map((kind) => [kind, { checked: 0, passed: 0 }])) as {
  [kind in (typeof TALLIES)[number]]: { checked: number; passed: number };
};

/** Counts a check as made; call what it returns once all its assertions have held. */
function checking(kind: (typeof TALLIES)[number]): () => void {
  tallies[kind].checked += 1;
  return () => {
    tallies[kind].passed += 1;
  };
}

// For the lead's report: how many boundaries this run checked, and how many held.
afterAll(() => {
  mkdirSync(join(__dirname, 'artifacts'), { recursive: true });
  const table = {
    routes: ROUTES.length,
    callers: CALLERS.length,
    cells: ROUTES.length * CALLERS.length,
  };
  writeFileSync(ARTIFACT, `${JSON.stringify({ table, ...tallies }, null, 2)}\n`);
});

// ---------------------------------------------------------------------------------------------

describe('Access control', () => {
  describe('role boundaries: every route × every caller', () => {
    const world = new World();

    beforeAll(() => world.open());
    afterAll(() => world.close());

    it('should have every route the app serves in the table, and no other', () => {
      const served = servedRoutes(world.testApp);
      const table = ROUTES.map((route) => routeKey(route.method, route.path)).sort();
      expect({
        missingFromTable: served.filter((route) => !table.includes(route)),
        notServed: table.filter((route) => !served.includes(route)),
      }).toEqual({ missingFromTable: [], notServed: [] });
      expect(new Set(table).size).toBe(table.length);
    });

    describe.each(ROUTES.map((route) => [routeKey(route.method, route.path), route] as const))(
      '%s',
      (_name, route) => {
        it.each(
          CALLERS.map(
            (caller) => [caller.name, describeOutcome(outcomeFor(route, caller)), caller] as const,
          ),
        )('%s: %s', async (_caller, _outcome, caller) => {
          const pass = checking('roleBoundaries');
          await world.makeRoomForSignIns(() => caller.signInsNeeded(world) + (route.signIns ?? 0));
          const credentials = await caller.credentials(world);
          const spec = await route.request(world, credentials.user);
          const outcome = outcomeFor(route, caller);
          const before =
            outcome.kind === 'allowed' ? undefined : await contentSnapshot(world.testApp);
          for (let i = 0; i < (route.signIns ?? 0); i++) world.spendSignIn();

          const got = await send(world.url, rawRequest(route, spec, credentials));
          if (route.endsSession && caller.as?.by === 'session') world.forgetSession(caller.as.role);

          expectOutcome(route, spec, outcome, got);
          // A refused request changes nothing.
          if (before) expect(await contentSnapshot(world.testApp)).toEqual(before);
          pass();
        });
      },
    );
  });

  describe('CSRF: every write a session cookie authenticates', () => {
    const world = new World();
    const writes = ROUTES.filter((route) => route.method !== 'GET' && route.access !== 'public');

    beforeAll(() => world.open());
    afterAll(() => world.close());

    /** A refusal for the CSRF token, in the API's JSON or on the admin's error page. */
    function expectCsrfRefusal(route: Route, got: Exchange, attempt: string): void {
      expect({ attempt, status: got.status }).toEqual({ attempt, status: 403 });
      if (isApi(route)) {
        expect(jsonOf(got)).toEqual({
          statusCode: 403,
          error: 'Forbidden',
          message: expect.stringMatching(/CSRF/),
        });
      } else {
        expect(got.text).toMatch(/CSRF/);
      }
    }

    describe.each(writes.map((route) => [routeKey(route.method, route.path), route] as const))(
      '%s',
      (_name, route) => {
        const role: Role = route.access === 'admin' ? 'admin' : 'editor';
        const other: Role = role === 'admin' ? 'editor' : 'admin';

        it("should refuse no token, an empty, a forged and another user's token, then take the session's own", async () => {
          await world.makeRoomForSignIns(
            () =>
              Number(!world.hasSession(role)) +
              Number(!world.hasSession(other)) +
              (route.signIns ?? 0),
          );
          const own = await world.session(role);
          const othersToken = (await world.session(other)).csrfToken;
          const credentials = { ...own, user: world.entities[role] };
          const spec = await route.request(world, credentials.user);
          const before = await contentSnapshot(world.testApp);

          const refused: Array<[string, string | null]> = [
            ['no token', null],
            ['an empty token', ''],
            ['a forged token', randomSecret()],
            ["another user's token", othersToken],
          ];
          for (const [attempt, token] of refused) {
            const pass = checking('csrfCases');
            const got = await send(world.url, rawRequest(route, spec, credentials, token));
            expectCsrfRefusal(route, got, attempt);
            pass();
          }
          expect(await contentSnapshot(world.testApp)).toEqual(before);
          const me = await send(world.url, {
            method: 'GET',
            path: '/api/auth/me',
            headers: { Cookie: own.cookie },
          });
          expect(me.status).toBe(200);

          // The same request again, now with the right token: nothing of the refused ones
          // happened before it (a deleted entry would now be a 404).
          for (let i = 0; i < (route.signIns ?? 0); i++) world.spendSignIn();
          const pass = checking('csrfCases');
          const got = await send(world.url, rawRequest(route, spec, credentials));
          if (route.endsSession) world.forgetSession(role);
          expectOutcome(route, spec, { kind: 'allowed', ...route.allowed }, got);
          pass();
        });

        if (isApi(route)) {
          it('should take an API token without any CSRF token', async () => {
            const pass = checking('csrfCases');
            const credentials = { bearer: world.apiTokens[role], user: world.entities[role] };
            const spec = await route.request(world, credentials.user);
            const got = await send(world.url, rawRequest(route, spec, credentials));
            expectOutcome(route, spec, { kind: 'allowed', ...route.allowed }, got);
            pass();
          });
        }
      },
    );
  });

  describe('sign-in and setup forms refuse posts from other sites', () => {
    let dataDir: string;
    let testApp: TestApp;

    afterEach(async () => {
      await testApp.close();
      removeDataDir(dataDir);
    });

    /** The token of the one-time setup link, as the server prints it. */
    function setupToken(): string {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      try {
        testApp.app.get(SetupService).announceSetupLink(testApp.url);
        const line = warn.mock.calls
          .map(([message]) => String(message))
          .find((m) => m.includes('/admin/setup'));
        return new URL(/https?:\/\/\S+/.exec(line ?? '')![0]).searchParams.get('token')!;
      } finally {
        warn.mockRestore();
      }
    }

    interface SignInForm {
      name: string;
      /** Whether the form is the first admin's: then the app starts without users. */
      setup: boolean;
      request(given: { token: string; email: string }): RawRequest;
      allowed: number;
    }

    const newAdmin = { name: 'First Admin', password: 'a long password' };
    const FORMS: SignInForm[] = [
      {
        name: 'POST /api/auth/login',
        setup: false,
        request: ({ email }) => ({
          method: 'POST',
          path: '/api/auth/login',
          json: { email, password: PASSWORD },
        }),
        allowed: 200,
      },
      {
        name: 'POST /admin/login',
        setup: false,
        request: ({ email }) => ({
          method: 'POST',
          path: '/admin/login',
          form: { email, password: PASSWORD },
        }),
        allowed: 303,
      },
      {
        name: 'POST /api/auth/setup',
        setup: true,
        request: ({ token, email }) => ({
          method: 'POST',
          path: '/api/auth/setup',
          json: { token, email, ...newAdmin },
        }),
        allowed: 201,
      },
      {
        name: 'POST /admin/setup',
        setup: true,
        request: ({ token, email }) => ({
          method: 'POST',
          path: '/admin/setup',
          form: { token, email, ...newAdmin },
        }),
        allowed: 200,
      },
    ];

    const CROSS_SITE: Array<[string, (url: URL) => Record<string, string>]> = [
      ['an Origin of another site', () => ({ Origin: 'https://evil.example' })],
      ['Sec-Fetch-Site: cross-site', () => ({ 'Sec-Fetch-Site': 'cross-site' })],
      ['Origin: null', () => ({ Origin: 'null' })],
      [
        'an Origin of another port of this host',
        (url) => ({ Origin: `${url.protocol}//${url.hostname}:${Number(url.port) + 1}` }),
      ],
      [
        'a cross-site Sec-Fetch-Site with this Origin',
        (url) => ({ Origin: url.origin, 'Sec-Fetch-Site': 'cross-site' }),
      ],
    ];

    it.each(FORMS.map((form) => [form.name, form] as const))(
      '%s: should answer 403 to each cross-site post, set no cookie, then take a same-origin one with a new session',
      async (_name, form) => {
        dataDir = makeDataDir();
        testApp = await startTestApp(dataDir, ENV);
        const url = new URL(testApp.url);
        const email = form.setup ? 'first@example.test' : (await createUser(testApp)).email;
        const token = form.setup ? setupToken() : '';
        const request = form.request({ token, email });

        for (const [what, headers] of CROSS_SITE) {
          const pass = checking('sameOriginCases');
          const got = await send(testApp.url, {
            ...request,
            headers: { ...request.headers, ...headers(url) },
          });
          expect({ what, status: got.status, cookie: sessionCookieSet(got) }).toEqual({
            what,
            status: 403,
            cookie: undefined,
          });
          pass();
        }

        // From this site, in a browser that had a cookie planted by an attacker.
        const planted = `${SESSION_COOKIE}=${randomSecret()}`;
        const pass = checking('sameOriginCases');
        const got = await send(testApp.url, {
          ...request,
          headers: { Origin: url.origin, 'Sec-Fetch-Site': 'same-origin', Cookie: planted },
        });
        expect(got.status).toBe(form.allowed);
        const issued = sessionCookieSet(got);
        expect(issued).toBeDefined();
        expect(issued).not.toBe(planted);
        const me = (cookie: string) =>
          send(testApp.url, { method: 'GET', path: '/api/auth/me', headers: { Cookie: cookie } });
        expect((await me(planted)).status).toBe(401);
        const signedIn = await me(issued!);
        expect(signedIn.status).toBe(200);
        expect(jsonOf(signedIn).user.email).toBe(email);
        pass();
      },
    );
  });

  describe('odd spellings of admin-only paths', () => {
    const world = new World();

    beforeAll(() => world.open());
    afterAll(() => world.close());

    const invite = () => ({
      email: `sneaky-${unique()}@example.test`,
      name: 'Sneaky',
      role: 'admin',
      password: 'a long password',
    });
    const VARIANTS: Array<{ method: string; path: string; form?: () => Record<string, string> }> = [
      { method: 'GET', path: '/admin/users/' },
      { method: 'GET', path: '/ADMIN/USERS' },
      { method: 'GET', path: '/admin/Users' },
      { method: 'GET', path: '/admin//users' },
      { method: 'GET', path: '/admin/./users' },
      { method: 'GET', path: '/admin/blogs/../users' },
      { method: 'GET', path: '/%61dmin/users' },
      { method: 'GET', path: '/admin/users%2F' },
      { method: 'GET', path: '/admin/users?role=admin' },
      { method: 'GET', path: '/admin/users;x' },
      { method: 'HEAD', path: '/admin/users' },
      { method: 'POST', path: '/admin/users/', form: invite },
      { method: 'POST', path: '/ADMIN/USERS', form: invite },
      { method: 'POST', path: '/admin/users?_method=GET', form: invite },
    ];

    it.each(
      VARIANTS.flatMap((variant) =>
        (['anonymous', 'editor session'] as const).map(
          (caller) => [`${variant.method} ${variant.path}`, caller, variant] as const,
        ),
      ),
    )('%s as %s: should be refused, never served', async (_name, caller, variant) => {
      const pass = checking('pathVariants');
      await world.makeRoomForSignIns(() => Number(!world.hasSession('editor')));
      const session = caller === 'anonymous' ? undefined : await world.session('editor');
      const headers: Record<string, string> = { Accept: BROWSER_ACCEPT };
      if (session) headers.Cookie = session.cookie;
      const form = variant.form && {
        ...variant.form(),
        ...(session ? { _csrf: session.csrfToken } : {}),
      };
      const before = await contentSnapshot(world.testApp);

      const got = await send(world.url, {
        method: variant.method,
        path: variant.path,
        headers,
        form,
      });

      const refusals = caller === 'anonymous' ? [401, 303, 404] : [403, 404];
      expect({ status: got.status, refused: refusals.includes(got.status) }).toEqual({
        status: got.status,
        refused: true,
      });
      if (got.status === 303) expect(got.headers.location).toMatch(/^\/admin\/login\?next=/);
      expect(got.text).not.toContain(world.users.target.email);
      expect(await contentSnapshot(world.testApp)).toEqual(before);
      pass();
    });
  });

  describe('sessions', () => {
    let dataDir: string;
    let testApp: TestApp;
    const get = (path: string, cookie: string) =>
      send(testApp.url, {
        method: 'GET',
        path,
        headers: { Cookie: cookie, Accept: BROWSER_ACCEPT },
      });
    const me = (cookie: string) =>
      send(testApp.url, { method: 'GET', path: '/api/auth/me', headers: { Cookie: cookie } });
    const bearerMe = (token: string) =>
      send(testApp.url, {
        method: 'GET',
        path: '/api/auth/me',
        headers: { Authorization: `Bearer ${token}` },
      });

    async function signIn(user: TestUser, cookie?: string): Promise<SessionCredentials> {
      const response = await send(testApp.url, {
        method: 'POST',
        path: '/api/auth/login',
        headers: cookie ? { Cookie: cookie } : {},
        json: { email: user.email, password: PASSWORD },
      });
      expect(response.status).toBe(200);
      return { cookie: sessionCookieSet(response)!, csrfToken: jsonOf(response).csrfToken };
    }

    async function formSignIn(user: TestUser, cookie?: string): Promise<string> {
      const response = await send(testApp.url, {
        method: 'POST',
        path: '/admin/login',
        headers: cookie ? { Cookie: cookie } : {},
        form: { email: user.email, password: PASSWORD },
      });
      expect(response.status).toBe(303);
      return sessionCookieSet(response)!;
    }

    /** Sends an admin form as the browser of `session` does. */
    const adminForm = (session: SessionCredentials, path: string, fields = {}) =>
      send(testApp.url, {
        method: 'POST',
        path,
        headers: { Cookie: session.cookie, Accept: BROWSER_ACCEPT },
        form: { ...fields, _csrf: session.csrfToken },
      });

    /** Every way the holder of a dead session might still try to get in. */
    async function expectSignedOut(session: SessionCredentials): Promise<void> {
      expect((await me(session.cookie)).status).toBe(401);
      const page = await get('/admin/tokens', session.cookie);
      expect({ status: page.status, location: page.headers.location }).toEqual({
        status: 303,
        location: '/admin/login?next=%2Fadmin%2Ftokens',
      });
      const write = await send(testApp.url, {
        method: 'POST',
        path: '/api/blogs',
        headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken },
        json: { title: 'Ghost' },
      });
      expect(write.status).toBe(401);
      const form = await adminForm(session, '/admin/tokens', { name: 'ghost' });
      expect(form.status).toBe(401);
    }

    let pass: () => void;

    beforeEach(async () => {
      pass = checking('sessionChecks');
      dataDir = makeDataDir();
      testApp = await startTestApp(dataDir, ENV);
    });

    afterEach(async () => {
      await testApp.close();
      removeDataDir(dataDir);
    });

    it.each(['POST /api/auth/logout', 'POST /admin/logout'])(
      'should end the session on the server at %s: the old cookie replayed is refused',
      async (how) => {
        const user = await createUser(testApp);
        const session = await signIn(user);
        const other = await signIn(await createUser(testApp));
        expect((await me(session.cookie)).status).toBe(200);

        const path = how.split(' ')[1];
        const out =
          path === '/admin/logout'
            ? await adminForm(session, path)
            : await send(testApp.url, {
                method: 'POST',
                path,
                headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken },
              });
        expect(out.status).toBe(path === '/admin/logout' ? 303 : 204);
        // The browser is told to drop the cookie, but the server does not count on it.
        const cleared = (out.headers['set-cookie'] ?? []).filter(
          (c) => c.startsWith(`${SESSION_COOKIE}=`) && isClearing(c),
        );
        expect(cleared).toHaveLength(1);

        await expectSignedOut(session);
        const rows = await testApp.database.getRepository(Session).countBy({ userId: user.id });
        expect(rows).toBe(0);
        // Signing out one browser leaves the others signed in.
        expect((await me(other.cookie)).status).toBe(200);
        pass();
      },
    );

    it("should stop a removed admin's session and API token at the next request, also once the account is restored", async () => {
      const chief = await signIn(await createUser(testApp, { role: 'admin' }));
      const deputyUser = await createUser(testApp, { role: 'admin', email: 'deputy@example.test' });
      const deputy = await signIn(deputyUser);
      const created = await send(testApp.url, {
        method: 'POST',
        path: '/api/tokens',
        headers: { Cookie: deputy.cookie, 'X-CSRF-Token': deputy.csrfToken },
        json: { name: 'deputy script' },
      });
      const deputyToken = jsonOf(created).secret as string;
      expect((await get('/admin/users', deputy.cookie)).status).toBe(200);
      expect((await bearerMe(deputyToken)).status).toBe(200);

      const removal = await adminForm(chief, `/admin/users/${deputyUser.id}/remove`);
      expect(removal.status).toBe(303);

      await expectSignedOut(deputy);
      const users = await get('/admin/users', deputy.cookie);
      expect(users.status).toBe(303);
      expect((await bearerMe(deputyToken)).status).toBe(401);

      // Inviting the address again restores the account, not its old credentials.
      const restored = await adminForm(chief, '/admin/users', {
        email: deputyUser.email,
        name: 'Deputy Again',
        role: 'admin',
        password: PASSWORD,
      });
      expect(restored.status).toBe(303);
      await expectSignedOut(deputy);
      expect((await bearerMe(deputyToken)).status).toBe(401);
      const fresh = await signIn(deputyUser);
      expect((await get('/admin/users', fresh.cookie)).status).toBe(200);
      pass();
    });

    it("should apply a role change to the user's open session at the next request", async () => {
      const chief = await signIn(await createUser(testApp, { role: 'admin' }));
      const deputyUser = await createUser(testApp, { role: 'admin' });
      const deputy = await signIn(deputyUser);
      expect((await get('/admin/users', deputy.cookie)).status).toBe(200);

      await adminForm(chief, `/admin/users/${deputyUser.id}/role`, { role: 'editor' });
      expect((await get('/admin/users', deputy.cookie)).status).toBe(403);
      expect((await adminForm(deputy, '/admin/users', { email: 'x@example.test' })).status).toBe(
        403,
      );
      expect((await get('/admin', deputy.cookie)).status).toBe(200);

      await adminForm(chief, `/admin/users/${deputyUser.id}/role`, { role: 'admin' });
      expect((await get('/admin/users', deputy.cookie)).status).toBe(200);
      pass();
    });

    it.each(['POST /api/auth/login', 'POST /admin/login'])(
      'should give a new session id at %s and never adopt a cookie value planted before',
      async (how) => {
        const viaForm = how === 'POST /admin/login';
        const victim = await createUser(testApp, { name: 'Vic Victim' });
        const signInAs = async (user: TestUser, cookie?: string) =>
          viaForm ? formSignIn(user, cookie) : (await signIn(user, cookie)).cookie;

        // A value the attacker made up.
        const madeUp = `${SESSION_COOKIE}=${randomSecret()}`;
        const first = await signInAs(victim, madeUp);
        expect(first).not.toBe(madeUp);
        expect((await me(madeUp)).status).toBe(401);
        expect((await me(first)).status).toBe(200);

        // A real session of the attacker's own account, planted in the victim's browser.
        const attackersOwn = await signInAs(await createUser(testApp, { name: 'Mal Attacker' }));
        const second = await signInAs(victim, attackersOwn);
        expect(second).not.toBe(attackersOwn);
        expect((await me(attackersOwn)).status).toBe(401);
        expect(jsonOf(await me(second)).user.name).toBe('Vic Victim');
        pass();
      },
    );

    it.each([
      ['a month after sign-in', { expiresAt: new Date(Date.now() - 1000) }],
      ['after a week unused', { lastSeenAt: new Date(Date.now() - 8 * 24 * 60 * 60 * 1000) }],
    ])('should refuse and delete a session that ended %s', async (_when, change) => {
      const user = await createUser(testApp);
      const session = await signIn(user);
      const sessions = testApp.database.getRepository(Session);
      await sessions.update({ userId: user.id }, change);

      await expectSignedOut(session);
      expect(await sessions.countBy({ userId: user.id })).toBe(0);
      pass();
    });
  });
});
