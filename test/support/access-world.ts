import { randomBytes } from 'node:crypto';
import { ApiTokensService } from '../../src/auth/api-tokens.service';
import { Session } from '../../src/auth/session.entity';
import type { User, UserRole } from '../../src/auth/user.entity';
import { UsersService } from '../../src/auth/users.service';
import { readerCookieOf, SessionCredentials, sessionCookieSet } from './cookies';
import { createBlog, createUser, PASSWORD, publishPost, TestUser } from './factories';
import { sendRaw } from './raw-http';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './test-app';

/*
 * The world the access specs act in: an app with its users, their sessions and API tokens,
 * a blog and an entry. Sessions are made by really signing in (the cookie is opaque to the
 * tests) over real HTTP, so cookies, redirects and streams are seen exactly as sent.
 */

/** Sign-in attempts one app takes from one address (and for one account) before a 429. */
const SIGN_INS_PER_APP = 10;
/** The write limit out of the way: the access specs send hundreds of writes. */
export const ACCESS_ENV = { API_WRITE_RATE_LIMIT: '1000000' };
export const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** A name no other test of this run uses. */
export const unique = (() => {
  let n = 0;
  return () => `${process.pid}-${++n}`;
})();
export const randomSecret = () => randomBytes(32).toString('base64url');

export interface Credentials {
  cookie?: string;
  csrfToken?: string;
  bearer?: string;
  /** The current account the caller acts as, if any. */
  user?: User;
}

export type Role = UserRole;

/**
 * One app with its users and fixtures, replaced by a fresh one when its sign-in allowance
 * would run out. Sessions are kept until a route ends them.
 */
export class AccessWorld {
  testApp!: TestApp;
  private dataDir?: string;
  private signIns = 0;
  users!: Record<
    'editor' | 'admin' | 'contributor' | 'removedAdmin' | 'lapsed' | 'target' | 'signInTarget',
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
    this.testApp = await startTestApp(this.dataDir, ACCESS_ENV);
    this.signIns = 0;
    this.sessions.clear();
    this.removed = undefined;
    this.expired = undefined;
    const t = this.testApp;
    this.users = {
      editor: await createUser(t, { name: 'Eddie Editor' }),
      admin: await createUser(t, { role: 'admin', name: 'Ada Admin' }),
      contributor: await createUser(t, { role: 'contributor', name: 'Cy Contributor' }),
      removedAdmin: await createUser(t, { role: 'admin', name: 'Rex Removed' }),
      lapsed: await createUser(t, { name: 'Lee Lapsed' }),
      target: await createUser(t, { name: 'Tia Target' }),
      signInTarget: await createUser(t, { name: 'Sam Signin' }),
    };
    this.entities = {
      editor: await this.entity('editor'),
      admin: await this.entity('admin'),
      contributor: await this.entity('contributor'),
    };
    this.apiTokens = {
      editor: (await this.tokensService.create(this.entities.editor, 'editor script')).secret,
      admin: (await this.tokensService.create(this.entities.admin, 'admin script')).secret,
      contributor: (await this.tokensService.create(this.entities.contributor, 'contributor'))
        .secret,
    };
    this.blog = await createBlog(t, this.apiTokens.admin, { title: 'Access fixture' });
    this.post = (await publishPost(t, this.apiTokens.admin, this.blog.slug)).post as { id: number };
    const page = await sendRaw(this.url, { method: 'GET', target: `/blogs/${this.blog.slug}` });
    this.readerCookie = readerCookieOf(page);
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

  async entity(name: keyof AccessWorld['users']): Promise<User> {
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
    const response = await sendRaw(this.url, {
      method: 'POST',
      target: '/api/auth/login',
      json: { email: user.email, password: PASSWORD },
    });
    if (response.status !== 200) throw new Error(`Sign-in failed: ${response.text}`);
    return { cookie: sessionCookieSet(response)!, csrfToken: response.json.csrfToken as string };
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

/** The rows that say what the app holds (not sessions, whose expiry a request may clean up). */
export async function contentSnapshot(testApp: TestApp): Promise<Record<string, unknown[]>> {
  const snapshot: Record<string, unknown[]> = {};
  for (const table of ['users', 'api_tokens', 'blogs', 'posts', 'events']) {
    const rows: Array<Record<string, unknown>> = await testApp.database.query(
      `SELECT * FROM "${table}" ORDER BY "id"`,
    );
    // A token's use is recorded even when the route then refuses it.
    snapshot[table] = rows.map(({ lastUsedAt: _lastUsedAt, ...row }) => row);
  }
  return snapshot;
}
