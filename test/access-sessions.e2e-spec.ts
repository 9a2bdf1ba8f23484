import { Session } from '../src/auth/session.entity';
import { ACCESS_ENV, BROWSER_ACCEPT, randomSecret } from './support/access-world';
import {
  isClearing,
  SESSION_COOKIE,
  SessionCredentials,
  sessionCookieSet,
} from './support/cookies';
import { createUser, PASSWORD, TestUser } from './support/factories';
import { sendRaw } from './support/raw-http';
import { countChecks } from './support/role-boundary-report';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/*
 * The life of a session: sign-out ends it on the server, removing a user or changing a role
 * applies at the next request, sign-in never adopts a planted cookie, and sessions past their
 * end are refused and deleted.
 */

const checking = countChecks('sessionChecks');

describe('Access control', () => {
  describe('sessions', () => {
    let dataDir: string;
    let testApp: TestApp;
    const get = (path: string, cookie: string) =>
      sendRaw(testApp.url, {
        method: 'GET',
        target: path,
        headers: { Cookie: cookie, Accept: BROWSER_ACCEPT },
      });
    const me = (cookie: string) =>
      sendRaw(testApp.url, { method: 'GET', target: '/api/auth/me', headers: { Cookie: cookie } });
    const bearerMe = (token: string) =>
      sendRaw(testApp.url, {
        method: 'GET',
        target: '/api/auth/me',
        headers: { Authorization: `Bearer ${token}` },
      });

    async function signIn(user: TestUser, cookie?: string): Promise<SessionCredentials> {
      const response = await sendRaw(testApp.url, {
        method: 'POST',
        target: '/api/auth/login',
        headers: cookie ? { Cookie: cookie } : {},
        json: { email: user.email, password: PASSWORD },
      });
      expect(response.status).toBe(200);
      return { cookie: sessionCookieSet(response)!, csrfToken: response.json.csrfToken };
    }

    async function formSignIn(user: TestUser, cookie?: string): Promise<string> {
      const response = await sendRaw(testApp.url, {
        method: 'POST',
        target: '/admin/login',
        headers: cookie ? { Cookie: cookie } : {},
        form: { email: user.email, password: PASSWORD },
      });
      expect(response.status).toBe(303);
      return sessionCookieSet(response)!;
    }

    /** Sends an admin form as the browser of `session` does. */
    const adminForm = (session: SessionCredentials, path: string, fields = {}) =>
      sendRaw(testApp.url, {
        method: 'POST',
        target: path,
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
      const write = await sendRaw(testApp.url, {
        method: 'POST',
        target: '/api/blogs',
        headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken },
        json: { title: 'Ghost' },
      });
      expect(write.status).toBe(401);
      const form = await adminForm(session, '/admin/tokens', { name: 'ghost' });
      expect(form.status).toBe(401);
    }

    let pass: () => void;

    beforeEach(async () => {
      pass = checking();
      dataDir = makeDataDir();
      testApp = await startTestApp(dataDir, ACCESS_ENV);
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
            : await sendRaw(testApp.url, {
                method: 'POST',
                target: path,
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
      const created = await sendRaw(testApp.url, {
        method: 'POST',
        target: '/api/tokens',
        headers: { Cookie: deputy.cookie, 'X-CSRF-Token': deputy.csrfToken },
        json: { name: 'deputy script' },
      });
      const deputyToken = created.json.secret as string;
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
        expect((await me(second)).json.user.name).toBe('Vic Victim');
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
