import request from 'supertest';
import { sessionCookieOf } from './support/cookies';
import { createUser, issueApiToken, PASSWORD, signIn, SignedInClient } from './support/factories';
import { TestApp, TestAppPool } from './support/test-app';
import { retryAfterOf } from './support/too-many-requests';

/*
 * Changing a password: one's own needs the current one (and guesses are limited), ends every
 * other session and revokes the tokens; an admin may set an editor's, an editor nobody's.
 */

describe('Security hardening', () => {
  const pool = new TestAppPool();

  describe('password changes', () => {
    afterEach(() => pool.closeAll());

    async function changeOwn(client: SignedInClient, fields: Record<string, string>) {
      return client.agent
        .post('/admin/account/password')
        .type('form')
        .accept('text/html')
        .send({ ...fields, _csrf: client.csrfToken });
    }

    const signInWith = (testApp: TestApp, email: string, password: string) =>
      request(testApp.url).post('/api/auth/login').send({ email, password });

    it('should change nothing when the current password is wrong (400 with a field error), and limit guesses', async () => {
      const testApp = await pool.start();
      const user = await createUser(testApp);
      const [browser, other] = [await signIn(testApp, user), await signIn(testApp, user)];
      const token = await issueApiToken(testApp, user);
      const [{ passwordHash }] = await testApp.database.query(
        'SELECT passwordHash FROM users WHERE id = ?',
        [user.id],
      );

      const wrong = await changeOwn(browser, {
        currentPassword: 'not my password',
        newPassword: 'a brand new password',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('The current password is not right');
      expect(wrong.text).toContain('aria-describedby="current-password-error"');
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const tooShort = await changeOwn(browser, {
        currentPassword: PASSWORD,
        newPassword: 'short',
      });
      expect(tooShort.status).toBe(400);
      expect(tooShort.text).toContain('newPassword must be at least 10 characters');
      await browser.agent
        .post('/admin/account/password')
        .type('form')
        .send({ currentPassword: PASSWORD, newPassword: 'a brand new password' })
        .expect(403);

      const [after] = await testApp.database.query('SELECT passwordHash FROM users WHERE id = ?', [
        user.id,
      ]);
      expect(after.passwordHash).toBe(passwordHash);
      await browser.agent.get('/api/auth/me').expect(200);
      await other.agent.get('/api/auth/me').expect(200);
      await request(testApp.url).get('/api/auth/me').auth(token, { type: 'bearer' }).expect(200);

      // Guessing the current password through a stolen session is limited like signing in:
      // the two sign-ins and two attempts above count, six more are let through, then 429.
      const guesses: number[] = [];
      for (let i = 0; i < 7; i++) {
        guesses.push(
          (await changeOwn(browser, { currentPassword: `guess ${i}`, newPassword: 'short' }))
            .status,
        );
      }
      expect(guesses).toEqual([400, 400, 400, 400, 400, 400, 429]);
      const blocked = await changeOwn(browser, {
        currentPassword: PASSWORD,
        newPassword: 'a brand new password',
      });
      expect(blocked.status).toBe(429);
      expect(retryAfterOf(blocked)).toBeGreaterThan(50);
      const [still] = await testApp.database.query('SELECT passwordHash FROM users WHERE id = ?', [
        user.id,
      ]);
      expect(still.passwordHash).toBe(passwordHash);
    });

    it('should end every other session and revoke the tokens, keeping this browser signed in', async () => {
      const testApp = await pool.start();
      const user = await createUser(testApp);
      const browser = await signIn(testApp, user);
      const oldCookie = sessionCookieOf(
        await signInWith(testApp, user.email, PASSWORD).expect(200),
      );
      const other = await signIn(testApp, user);
      const tokens = [
        await issueApiToken(testApp, user, 'a'),
        await issueApiToken(testApp, user, 'b'),
      ];
      const newPassword = 'a brand new password';

      const changed = await changeOwn(browser, { currentPassword: PASSWORD, newPassword });
      expect(changed.status).toBe(200);
      expect(changed.text).toContain('Password changed');
      expect(changed.text).toContain('your 2 API tokens were revoked');
      const newCookie = sessionCookieOf(changed);

      // At once, without any request of theirs in between.
      await other.agent.get('/api/auth/me').expect(401);
      const page = await other.agent.get('/admin').accept('text/html');
      expect({ status: page.status, to: page.headers.location }).toEqual({
        status: 303,
        to: '/admin/login?next=%2Fadmin',
      });
      await other.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', other.csrfToken)
        .send({ title: 'Too late' })
        .expect(401);
      await request(testApp.url).get('/api/auth/me').set('Cookie', oldCookie).expect(401);
      for (const token of tokens) {
        await request(testApp.url).get('/api/tokens').auth(token, { type: 'bearer' }).expect(401);
      }

      // This browser goes on with its new cookie (the agent took it), and a new CSRF token.
      const me = await request(testApp.url)
        .get('/api/auth/me')
        .set('Cookie', newCookie)
        .expect(200);
      expect(me.body.user.id).toBe(user.id);
      const again = await browser.agent.get('/api/auth/me').expect(200);
      await browser.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', again.body.csrfToken as string)
        .send({ title: 'Still here' })
        .expect(201);
      await browser.agent.get('/admin/account').expect(200);

      await signInWith(testApp, user.email, PASSWORD).expect(401);
      await signInWith(testApp, user.email, newPassword).expect(200);
    });

    it("should let an admin set an editor's password, ending the editor's sessions and tokens at once", async () => {
      const testApp = await pool.start();
      const [adminUser, editorUser] = await Promise.all([
        createUser(testApp, { role: 'admin' }),
        createUser(testApp),
      ]);
      const [admin, editor] = [await signIn(testApp, adminUser), await signIn(testApp, editorUser)];
      const [adminToken, editorToken] = [
        await issueApiToken(testApp, adminUser),
        await issueApiToken(testApp, editorUser),
      ];

      const set = await admin.agent
        .post(`/admin/users/${editorUser.id}/password`)
        .type('form')
        .send({ password: 'set by the admin', _csrf: admin.csrfToken });
      expect({ status: set.status, to: set.headers.location }).toEqual({
        status: 303,
        to: '/admin/users',
      });

      await editor.agent.get('/api/auth/me').expect(401);
      await request(testApp.url)
        .get('/api/tokens')
        .auth(editorToken, { type: 'bearer' })
        .expect(401);
      await admin.agent.get('/api/auth/me').expect(200);
      await request(testApp.url)
        .get('/api/tokens')
        .auth(adminToken, { type: 'bearer' })
        .expect(200);
      await signInWith(testApp, editorUser.email, PASSWORD).expect(401);
      await signInWith(testApp, editorUser.email, 'set by the admin').expect(200);
    });

    it("should not let an editor set anyone's password (403)", async () => {
      const testApp = await pool.start();
      const [adminUser, editorUser, otherUser] = await Promise.all([
        createUser(testApp, { role: 'admin' }),
        createUser(testApp),
        createUser(testApp),
      ]);
      const editor = await signIn(testApp, editorUser);
      const editorToken = await issueApiToken(testApp, editorUser);
      const hashes = () =>
        testApp.database.query<Array<Record<string, unknown>>>(
          'SELECT id, passwordHash FROM users ORDER BY id',
        );
      const before = await hashes();

      for (const target of [adminUser, otherUser, editorUser]) {
        const bySession = await editor.agent
          .post(`/admin/users/${target.id}/password`)
          .type('form')
          .send({ password: 'taken over now', _csrf: editor.csrfToken });
        expect({ target: target.id, status: bySession.status }).toEqual({
          target: target.id,
          status: 403,
        });
        await request(testApp.url)
          .post(`/admin/users/${target.id}/password`)
          .auth(editorToken, { type: 'bearer' })
          .type('form')
          .send({ password: 'taken over now' })
          .expect(403);
      }
      expect(await hashes()).toEqual(before);
      await editor.agent.get('/api/auth/me').expect(200);
    });
  });
});
