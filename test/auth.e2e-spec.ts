import { Logger } from '@nestjs/common';
import request from 'supertest';
import { ApiToken } from '../src/auth/api-token.entity';
import { Session } from '../src/auth/session.entity';
import { SetupService } from '../src/auth/setup.service';
import { User } from '../src/auth/user.entity';
import { createApiToken, createUser, PASSWORD, signIn } from './support/factories';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/** The one-time link the server prints to its log, as an admin would copy it. */
function printedSetupLink(testApp: TestApp): string | undefined {
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    testApp.app.get(SetupService).announceSetupLink(testApp.url);
    const line = warn.mock.calls
      .map(([message]) => String(message))
      .find((m) => m.includes('/admin/setup'));
    return line?.match(/https?:\/\/\S+/)?.[0];
  } finally {
    warn.mockRestore();
  }
}

function cookieOf(response: request.Response): string {
  const cookies = response.headers['set-cookie'] as unknown as string[];
  return cookies.find((cookie) => cookie.startsWith('liveblog_session='))!;
}

describe('Accounts and authentication', () => {
  let dataDir: string;
  let testApp: TestApp;
  const api = () => request(testApp.url);

  beforeEach(() => {
    dataDir = makeDataDir();
  });

  afterEach(async () => {
    await testApp.close();
    removeDataDir(dataDir);
  });

  describe('first admin', () => {
    it('should create the admin of ADMIN_EMAIL and ADMIN_PASSWORD at start, once', async () => {
      const env = { ADMIN_EMAIL: 'Chief@Example.test', ADMIN_PASSWORD: 'bootstrap-secret' };
      testApp = await startTestApp(dataDir, env);
      const response = await api()
        .post('/api/auth/login')
        .send({ email: 'chief@example.test', password: 'bootstrap-secret' })
        .expect(200);
      expect(response.body.user).toEqual({
        id: expect.any(Number),
        email: 'chief@example.test',
        name: 'Admin',
        role: 'admin',
      });
      expect(printedSetupLink(testApp)).toBeUndefined();

      await testApp.close();
      testApp = await startTestApp(dataDir, env);
      await expect(testApp.database.getRepository(User).count()).resolves.toBe(1);
    });

    it('should print a setup link that creates the first admin once', async () => {
      testApp = await startTestApp(dataDir);
      const link = printedSetupLink(testApp);
      expect(link).toMatch(new RegExp(`^${testApp.url}/admin/setup\\?token=[\\w-]{43}$`));
      const token = new URL(link!).searchParams.get('token');
      const admin = {
        token,
        email: 'first@example.test',
        name: 'First Admin',
        password: 'a long password',
      };

      const page = await request(link!).get('').expect(200);
      expect(page.text).toContain('Create the first admin');

      const created = await api().post('/api/auth/setup').send(admin).expect(201);
      expect(created.body.user).toMatchObject({ email: 'first@example.test', role: 'admin' });
      expect(cookieOf(created)).toBeDefined();

      const again = await api()
        .post('/api/auth/setup')
        .send({ ...admin, email: 'second@example.test' })
        .expect(403);
      expect(again.body.message).toBe('This setup link is invalid or has already been used');
      await request(link!).get('').expect(404);
      expect(printedSetupLink(testApp)).toBeUndefined();
    });

    it('should create the first admin through the setup page form', async () => {
      testApp = await startTestApp(dataDir);
      const token = new URL(printedSetupLink(testApp)!).searchParams.get('token')!;

      const invalid = await api()
        .post('/admin/setup')
        .type('form')
        .send({ token, email: 'nope', name: 'Ann', password: 'short' })
        .expect(400);
      expect(invalid.text).toContain('email must be an email address');
      expect(invalid.text).toContain('password must be at least 10 characters');

      const done = await api()
        .post('/admin/setup')
        .type('form')
        .send({ token, email: 'ann@example.test', name: 'Ann', password: 'a long password' })
        .expect(200);
      expect(done.text).toContain('Welcome, Ann');
      const me = await api()
        .get('/api/auth/me')
        .set('Cookie', cookieOf(done).split(';')[0])
        .expect(200);
      expect(me.body.user).toMatchObject({ email: 'ann@example.test', role: 'admin' });

      await api()
        .post('/admin/setup')
        .type('form')
        .send({ token, email: 'eve@example.test', name: 'Eve', password: 'a long password' })
        .expect(404);
      await expect(testApp.database.getRepository(User).count()).resolves.toBe(1);
    });

    it('should not offer a setup link once a user exists', async () => {
      testApp = await startTestApp(dataDir);
      await createUser(testApp);
      await testApp.close();
      testApp = await startTestApp(dataDir);
      expect(printedSetupLink(testApp)).toBeUndefined();
      await api().get('/admin/setup?token=guess').expect(404);
    });
  });

  describe('POST /api/auth/login', () => {
    beforeEach(async () => {
      testApp = await startTestApp(dataDir);
    });

    it('should sign in with an HttpOnly, SameSite=Lax session cookie and a CSRF token', async () => {
      const user = await createUser(testApp, { email: 'kim@example.test' });
      const response = await api()
        .post('/api/auth/login')
        .send({ email: ' KIM@example.test', password: PASSWORD })
        .expect(200);
      expect(response.body).toEqual({
        user: { id: user.id, email: 'kim@example.test', name: user.name, role: 'editor' },
        csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      });
      const cookie = cookieOf(response);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Secure/);
    });

    it("should refuse a sign-in sent from another site's page", async () => {
      const user = await createUser(testApp);
      const credentials = { email: user.email, password: PASSWORD };
      const forged = await api()
        .post('/api/auth/login')
        .set('Origin', 'https://evil.example')
        .type('form')
        .send(credentials)
        .expect(403);
      expect(forged.headers['set-cookie']).toBeUndefined();
      await api()
        .post('/api/auth/login')
        .set('Sec-Fetch-Site', 'cross-site')
        .send(credentials)
        .expect(403);
      await api()
        .post('/api/auth/login')
        .set('Origin', testApp.url)
        .set('Sec-Fetch-Site', 'same-origin')
        .send(credentials)
        .expect(200);
    });

    it('should answer 401 for a wrong password and for an unknown email, alike', async () => {
      const user = await createUser(testApp);
      const wrong = await api()
        .post('/api/auth/login')
        .send({ email: user.email, password: 'wrong password' })
        .expect(401);
      const unknown = await api()
        .post('/api/auth/login')
        .send({ email: 'nobody@example.test', password: PASSWORD })
        .expect(401);
      expect(wrong.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Wrong email or password',
      });
      expect(unknown.body).toEqual(wrong.body);
      expect(wrong.headers['set-cookie']).toBeUndefined();
    });

    it.each([{}, { email: 'not-an-email', password: 'x' }, { email: 'a@b.test', password: 12 }])(
      'should answer 400 for %j',
      async (body) => {
        await api().post('/api/auth/login').send(body).expect(400);
      },
    );

    it('should give a new session at each sign-in and end the one the browser had', async () => {
      const user = await createUser(testApp);
      const first = await api()
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      const firstCookie = cookieOf(first).split(';')[0];
      const second = await api()
        .post('/api/auth/login')
        .set('Cookie', firstCookie)
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      const secondCookie = cookieOf(second).split(';')[0];
      expect(secondCookie).not.toBe(firstCookie);
      expect(second.body.csrfToken).not.toBe(first.body.csrfToken);
      await api().get('/api/auth/me').set('Cookie', firstCookie).expect(401);
      await api().get('/api/auth/me').set('Cookie', secondCookie).expect(200);
    });
  });

  describe('POST /api/auth/logout', () => {
    it('should end the session on the server', async () => {
      testApp = await startTestApp(dataDir);
      const client = await signIn(testApp, await createUser(testApp));
      await client.agent.get('/api/auth/me').expect(200);
      await client.agent.post('/api/auth/logout').set('X-CSRF-Token', client.csrfToken).expect(204);
      await client.agent.get('/api/auth/me').expect(401);
      await expect(testApp.database.getRepository(Session).count()).resolves.toBe(0);
    });
  });

  describe('CSRF', () => {
    beforeEach(async () => {
      testApp = await startTestApp(dataDir);
    });

    it('should refuse cookie-authenticated writes without the session CSRF token', async () => {
      const client = await signIn(testApp, await createUser(testApp));
      const missing = await client.agent.post('/api/blogs').send({ title: 'No token' }).expect(403);
      expect(missing.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'Missing or invalid CSRF token (send it as X-CSRF-Token)',
      });
      await client.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', 'forged')
        .send({ title: 'Forged' })
        .expect(403);
      const other = await signIn(testApp, await createUser(testApp));
      await client.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', other.csrfToken)
        .send({ title: 'Other' })
        .expect(403);
      const { body } = await api().get('/api/blogs').expect(200);
      expect(body.blogs).toEqual([]);

      await client.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', client.csrfToken)
        .send({ title: 'With token' })
        .expect(201);
    });

    it('should take the CSRF token from the hidden field of an HTML form', async () => {
      const client = await signIn(testApp, await createUser(testApp));
      await client.agent
        .post('/api/blogs')
        .type('form')
        .send({ title: 'From a form', _csrf: client.csrfToken })
        .expect(201);
      await client.agent
        .post('/api/blogs')
        .type('form')
        .send({ title: 'Forged form', _csrf: 'nope' })
        .expect(403);
    });

    it('should let cookie-authenticated reads through without a CSRF token', async () => {
      const client = await signIn(testApp, await createUser(testApp));
      await client.agent.get('/api/tokens').expect(200);
    });

    it('should not ask bearer-token writes for a CSRF token', async () => {
      const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
      await api()
        .post('/api/blogs')
        .auth(token, { type: 'bearer' })
        .send({ title: 'Scripted' })
        .expect(201);
    });
  });

  describe('API tokens', () => {
    beforeEach(async () => {
      testApp = await startTestApp(dataDir);
    });

    it('should show the secret once, list tokens without it, and stop working once revoked', async () => {
      const client = await signIn(testApp, await createUser(testApp));
      const created = await client.agent
        .post('/api/tokens')
        .set('X-CSRF-Token', client.csrfToken)
        .send({ name: 'results feed' })
        .expect(201);
      const { token, secret } = created.body;
      expect(secret).toMatch(/^lbt_[\w-]{43}$/);
      expect(token).toEqual({
        id: expect.any(Number),
        name: 'results feed',
        createdAt: expect.any(String),
        lastUsedAt: null,
      });

      await api().get('/api/auth/me').auth(secret, { type: 'bearer' }).expect(200);
      const listed = await client.agent.get('/api/tokens').expect(200);
      expect(listed.body.tokens).toEqual([{ ...token, lastUsedAt: expect.any(String) }]);
      expect(JSON.stringify(listed.body)).not.toContain(secret);
      const [{ secretHash }] = await testApp.database.getRepository(ApiToken).find();
      expect(secretHash).not.toContain(secret);

      await client.agent
        .delete(`/api/tokens/${token.id}`)
        .set('X-CSRF-Token', client.csrfToken)
        .expect(204);
      await api().get('/api/auth/me').auth(secret, { type: 'bearer' }).expect(401);
      await client.agent
        .delete(`/api/tokens/${token.id}`)
        .set('X-CSRF-Token', client.csrfToken)
        .expect(404);
    });

    it("should not let a user revoke another user's token", async () => {
      const owner = await signIn(testApp, await createUser(testApp));
      const secret = await createApiToken(owner);
      const { body } = await owner.agent.get('/api/tokens').expect(200);
      const intruder = await signIn(testApp, await createUser(testApp));
      await intruder.agent
        .delete(`/api/tokens/${body.tokens[0].id}`)
        .set('X-CSRF-Token', intruder.csrfToken)
        .expect(404);
      await api().get('/api/auth/me').auth(secret, { type: 'bearer' }).expect(200);
    });

    it('should answer 400 for a token without a name and 401 when signed out', async () => {
      const client = await signIn(testApp, await createUser(testApp));
      await client.agent
        .post('/api/tokens')
        .set('X-CSRF-Token', client.csrfToken)
        .send({ name: ' ' })
        .expect(400);
      await api().post('/api/tokens').send({ name: 'x' }).expect(401);
      await api().get('/api/tokens').auth('Basic', { type: 'bearer' }).expect(401);
    });
  });

  describe('sessions', () => {
    it('should survive an app restart on the same database file', async () => {
      testApp = await startTestApp(dataDir);
      const user = await createUser(testApp);
      const login = await api()
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      const cookie = cookieOf(login).split(';')[0];
      await testApp.close();

      testApp = await startTestApp(dataDir);
      const me = await api().get('/api/auth/me').set('Cookie', cookie).expect(200);
      expect(me.body).toEqual({
        user: expect.objectContaining({ id: user.id }),
        csrfToken: login.body.csrfToken,
      });
      await api()
        .post('/api/blogs')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', login.body.csrfToken)
        .send({ title: 'After restart' })
        .expect(201);
    });
  });
});
