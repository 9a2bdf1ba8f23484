import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { loadConfig } from '../src/config/app-config';
import { sessionCookieOf } from './support/cookies';
import { createUser, PASSWORD, signIn } from './support/factories';
import { spawnServer } from './support/server-process';
import { within } from './support/sse-client';
import { TestAppPool } from './support/test-app';

/*
 * The secret that signs session cookies: generated once next to the database with mode 0600,
 * kept over restarts, never logged nor sent; or given as SESSION_SECRET.
 */

describe('Security hardening', () => {
  const pool = new TestAppPool();

  describe('session secret', () => {
    afterEach(() => pool.closeAll());

    it('should generate a 0600 secret next to the database, keep it, and never log it', async () => {
      const dataDir = pool.dataDir();
      const env = {
        DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
        LOG_LEVEL: 'debug',
        ADMIN_EMAIL: 'chief@example.test',
        ADMIN_PASSWORD: 'bootstrap secret',
      };
      const server = spawnServer(env);
      let secret = '';
      try {
        const url = await within(
          new Promise<string>((resolve, reject) => {
            createInterface({ input: server.child.stdout! }).on('line', (line) => {
              const match = /serving on (http:\/\/[^\s"]+)/.exec(line);
              if (match) resolve(match[1].replace('localhost', '127.0.0.1'));
            });
            void server.exited.then((code) => reject(new Error(`server exited (${code})`)));
          }),
          20_000,
          'the server to serve',
        );
        const secretPath = join(dataDir, 'liveblog.secret');
        expect(statSync(secretPath).mode & 0o777).toBe(0o600);
        secret = readFileSync(secretPath, 'utf8').trim();
        expect(secret.length).toBeGreaterThanOrEqual(32);

        const answers: string[] = [];
        const keep = (response: request.Response) => {
          answers.push(JSON.stringify(response.headers), response.text);
          return response;
        };
        const login = keep(
          await request(url)
            .post('/api/auth/login')
            .send({ email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD })
            .expect(200),
        );
        const cookie = sessionCookieOf(login);
        keep(await request(url).get('/api/auth/me').set('Cookie', cookie).expect(200));
        keep(
          await request(url).get('/admin').set('Cookie', cookie).accept('text/html').expect(200),
        );
        keep(await request(url).get('/admin/account').set('Cookie', cookie).expect(200));
        keep(await request(url).get('/').expect(200));
        keep(await request(url).get('/api/auth/me').set('Cookie', `${cookie}x`).expect(401));
        keep(await request(url).post('/api/blogs').set('Cookie', cookie).send({}).expect(403));
        keep(await request(url).get('/no/such/page').accept('text/html').expect(404));
        keep(await request(url).get('/health').expect(200));
        for (const answer of answers) expect(answer).not.toContain(secret);

        server.child.kill('SIGTERM');
        expect(await within(server.exited, 15_000, 'the server to stop')).toBe(0);
        const output = server.output();
        // The debug log was captured: it has the requests, just not the secrets.
        expect(output).toContain('/api/auth/me');
        expect(output).not.toContain(secret);
        expect(output).not.toContain(cookie.split('=')[1]);
        expect(output).not.toContain(decodeURIComponent(cookie.split('=')[1]).slice(2, 40));
        expect(output).not.toContain(env.ADMIN_PASSWORD);
      } finally {
        if (server.child.exitCode === null) server.child.kill('SIGKILL');
      }
    });

    it('should keep sessions over a restart on the same data folder and refuse tampered cookies', async () => {
      let testApp = await pool.start();
      const dataDir = dirname(testApp.databasePath);
      const secretPath = join(dataDir, 'liveblog.secret');
      const secret = readFileSync(secretPath, 'utf8');
      const client = await signIn(testApp, await createUser(testApp));
      const me = await client.agent.get('/api/auth/me').expect(200);
      expect(me.body.user.id).toBe(client.user.id);
      const login = await request(testApp.url)
        .post('/api/auth/login')
        .send({ email: client.user.email, password: PASSWORD })
        .expect(200);
      const cookie = sessionCookieOf(login);
      await pool.close(testApp);

      testApp = await pool.startIn(dataDir);
      expect(readFileSync(secretPath, 'utf8')).toBe(secret);
      expect(statSync(secretPath).mode & 0o777).toBe(0o600);
      const resumed = await request(testApp.url).get('/api/auth/me').set('Cookie', cookie);
      expect(resumed.status).toBe(200);
      expect(resumed.body.user.id).toBe(client.user.id);

      // `s:<token>.<signature>`, URL-encoded.
      const value = decodeURIComponent(cookie.slice('liveblog_session='.length));
      const [, sessionToken, signature] = /^s:(.+)\.([^.]+)$/.exec(value)!;
      const flip = (text: string, at: number) =>
        text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
      const tampered = [
        `s:${sessionToken}.${flip(signature, 0)}`,
        `s:${sessionToken}.${flip(signature, signature.length - 2)}`,
        `s:${flip(sessionToken, 3)}.${signature}`,
        `s:${sessionToken}.`,
        `s:${sessionToken}`,
        sessionToken,
      ];
      for (const forged of tampered) {
        const answer = await request(testApp.url)
          .get('/api/auth/me')
          .set('Cookie', `liveblog_session=${encodeURIComponent(forged)}`);
        expect({ forged, status: answer.status }).toEqual({ forged, status: 401 });
        const page = await request(testApp.url)
          .get('/admin')
          .set('Cookie', `liveblog_session=${encodeURIComponent(forged)}`)
          .accept('text/html');
        expect({ forged, status: page.status, to: page.headers.location }).toEqual({
          forged,
          status: 303,
          to: '/admin/login?next=%2Fadmin',
        });
      }
    });

    it('should tighten a restored secret file to 0600', () => {
      const dataDir = pool.dataDir();
      const databasePath = join(dataDir, 'liveblog.sqlite');
      const secretPath = join(dataDir, 'liveblog.secret');
      writeFileSync(secretPath, `${'r'.repeat(48)}\n`, { mode: 0o644 });
      chmodSync(secretPath, 0o644);
      expect(loadConfig({ DATABASE_PATH: databasePath }).SESSION_SECRET).toBe('r'.repeat(48));
      expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    });

    it('should use SESSION_SECRET without writing a file, and refuse cookies signed with another', async () => {
      const first = { SESSION_SECRET: 'a'.repeat(40) };
      let testApp = await pool.start(first);
      const dataDir = dirname(testApp.databasePath);
      const login = await request(testApp.url)
        .post('/api/auth/login')
        .send({ email: (await createUser(testApp)).email, password: PASSWORD })
        .expect(200);
      const cookie = sessionCookieOf(login);
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(200);
      await pool.close(testApp);
      expect(existsSync(join(dataDir, 'liveblog.secret'))).toBe(false);

      testApp = await pool.startIn(dataDir, { SESSION_SECRET: 'b'.repeat(40) });
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(401);
      await pool.close(testApp);
      testApp = await pool.startIn(dataDir, first);
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(200);
      expect(existsSync(join(dataDir, 'liveblog.secret'))).toBe(false);
    });
  });
});
