import http from 'node:http';
import request from 'supertest';
import { readerCookieOf } from './support/cookies';
import {
  createBlog,
  createUser,
  issueApiToken,
  PASSWORD,
  publishPost,
  signIn,
} from './support/factories';
import { sendRaw } from './support/raw-http';
import { RawSseReader, streamUrl } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';
import { retryAfterOf, TOO_MANY } from './support/too-many-requests';

/*
 * Rate limits: sign-in attempts per address and per account (with growing blocks), writes per
 * credential, view reports per address, and open streams per address.
 */

describe('Security hardening', () => {
  const pool = new TestAppPool();

  describe('rate limits', () => {
    afterEach(async () => {
      jest.restoreAllMocks();
      await pool.closeAll();
    });

    const signInTooOften = {
      ...TOO_MANY,
      message: expect.stringMatching(/^Too many sign-in attempts; try again in /),
    };

    it('should refuse the 11th sign-in attempt of an address within a minute, API and form alike', async () => {
      const testApp = await pool.start();
      const user = await createUser(testApp);
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? request(testApp.url)
                .post('/api/auth/login')
                .send({ email: `guess${i}@example.test`, password: 'wrong password' })
            : request(testApp.url)
                .post('/admin/login')
                .type('form')
                .send({ email: `guess${i}@example.test`, password: 'wrong password' }),
        ),
      );
      expect(attempts.map((attempt) => attempt.status)).toEqual(Array(10).fill(401));

      const blocked = await request(testApp.url)
        .post('/api/auth/login')
        .send({ email: user.email, password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual({
        ...TOO_MANY,
        message: 'Too many sign-in attempts; try again in 60 seconds',
      });
      expect(retryAfterOf(blocked)).toBe(60);
      expect(blocked.headers['set-cookie']).toBeUndefined();

      const form = await request(testApp.url)
        .post('/admin/login')
        .type('form')
        .send({ email: user.email, password: PASSWORD });
      expect(form.status).toBe(429);
      expect(retryAfterOf(form)).toBeGreaterThan(0);
      // Without TRUST_PROXY, X-Forwarded-For is anyone's to write: it changes nothing.
      const spoofed = await request(testApp.url)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '203.0.113.77')
        .send({ email: user.email, password: PASSWORD });
      expect({ status: spoofed.status, body: spoofed.body }).toEqual({
        status: 429,
        body: signInTooOften,
      });

      // Another address has its own budget.
      const elsewhere = await sendRaw(testApp.url, {
        method: 'POST',
        target: '/api/auth/login',
        json: { email: user.email, password: PASSWORD },
        localAddress: '127.0.0.2',
      });
      expect(elsewhere.status).toBe(200);
    });

    it('should double the block of an address each time it is blocked again within a day, up to an hour', async () => {
      const testApp = await pool.start();
      const realNow = Date.now.bind(Date);
      let offset = 0;
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
      let n = 0;
      /** A sign-in attempt that costs no password hash: no password (400), yet it counts. */
      const attempt = () =>
        request(testApp.url)
          .post('/api/auth/login')
          .send({ email: `guess${++n}@example.test` });
      const blockAfterTen = async (): Promise<number> => {
        for (let i = 0; i < 10; i++) expect((await attempt()).status).toBe(400);
        const blocked = await attempt();
        expect({ status: blocked.status, body: blocked.body }).toEqual({
          status: 429,
          body: signInTooOften,
        });
        return retryAfterOf(blocked);
      };
      const blocks: number[] = [];
      for (let round = 0; round < 8; round++) {
        const seconds = await blockAfterTen();
        blocks.push(seconds);
        offset += (seconds - 1) * 1000;
        expect((await attempt()).status).toBe(429);
        offset += 2000;
      }
      // Each one twice as long as the one before, up to an hour.
      expect(blocks).toEqual([60, 120, 240, 480, 960, 1920, 3600, 3600]);
      // After a quiet day it starts again from a minute.
      offset += 25 * 60 * 60 * 1000;
      expect(await blockAfterTen()).toBe(60);
    });

    it('should refuse the 11th attempt on one account from any address while others sign in', async () => {
      const testApp = await pool.start({ TRUST_PROXY: 'loopback' });
      const [victim, other] = await Promise.all([createUser(testApp), createUser(testApp)]);
      const from = (address: string) => ({ 'X-Forwarded-For': address });
      const attempts = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          i % 2 === 0
            ? request(testApp.url)
                .post('/api/auth/login')
                .set(from(`203.0.113.${i + 1}`))
                .send({ email: victim.email, password: 'wrong password' })
            : request(testApp.url)
                .post('/admin/login')
                .set(from(`203.0.113.${i + 1}`))
                .type('form')
                .send({ email: victim.email, password: 'wrong password' }),
        ),
      );
      expect(attempts.map((attempt) => attempt.status)).toEqual(Array(10).fill(401));

      const blocked = await request(testApp.url)
        .post('/api/auth/login')
        .set(from('198.51.100.50'))
        .send({ email: victim.email, password: PASSWORD });
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual({
        ...TOO_MANY,
        message: 'Too many sign-in attempts; try again in 15 minutes',
      });
      expect(retryAfterOf(blocked)).toBe(900);
      // The same account however it is spelled, through the form too.
      const respelled = await request(testApp.url)
        .post('/admin/login')
        .set(from('198.51.100.51'))
        .type('form')
        .send({ email: ` ${victim.email.toUpperCase()}`, password: PASSWORD });
      expect(respelled.status).toBe(429);
      expect(retryAfterOf(respelled)).toBeGreaterThan(800);

      await request(testApp.url)
        .post('/api/auth/login')
        .set(from('198.51.100.52'))
        .send({ email: other.email, password: PASSWORD })
        .expect(200);
    });

    it('should limit writes per credential: another token of the same user still writes, reads never stop', async () => {
      const testApp = await pool.start({ API_WRITE_RATE_LIMIT: '3' });
      const user = await createUser(testApp);
      const [first, second] = [
        await issueApiToken(testApp, user, 'a'),
        await issueApiToken(testApp, user, 'b'),
      ];
      const write = (bearer: string, title: string) =>
        request(testApp.url).post('/api/blogs').auth(bearer, { type: 'bearer' }).send({ title });

      for (const title of ['One', 'Two', 'Three'])
        expect((await write(first, title)).status).toBe(201);
      const blocked = await write(first, 'Four');
      expect(blocked.status).toBe(429);
      expect(blocked.body).toEqual({
        ...TOO_MANY,
        message: expect.stringMatching(/^Too many changes/),
      });
      expect(retryAfterOf(blocked)).toBeGreaterThan(0);
      expect(retryAfterOf(blocked)).toBeLessThanOrEqual(60);
      // Not for another route either, and nothing was written.
      await request(testApp.url)
        .patch('/api/blogs/one')
        .auth(first, { type: 'bearer' })
        .send({ title: 'Renamed' })
        .expect(429);
      const listed = await request(testApp.url)
        .get('/api/blogs')
        .auth(first, { type: 'bearer' })
        .expect(200);
      expect(listed.body.blogs.map((blog: { title: string }) => blog.title).sort()).toEqual([
        'One',
        'Three',
        'Two',
      ]);
      // Reads are never limited, also those that need the token.
      for (const path of Array(5).fill(['/api/tokens', '/api/auth/me', '/api/blogs/one']).flat()) {
        await request(testApp.url).get(path).auth(first, { type: 'bearer' }).expect(200);
      }
      expect((await write(second, 'Other token')).status).toBe(201);

      // A browser session is a credential of its own, shared by the API and the admin forms.
      const browser = await signIn(testApp, user);
      await browser.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', browser.csrfToken)
        .send({ title: 'Session one' })
        .expect(201);
      await browser.agent
        .post('/admin/blogs')
        .type('form')
        .send({ title: 'Session two', _csrf: browser.csrfToken })
        .expect(303);
      await browser.agent
        .post('/api/tokens')
        .set('X-CSRF-Token', browser.csrfToken)
        .send({ name: 'third' })
        .expect(201);
      const formBlocked = await browser.agent
        .post('/admin/blogs')
        .type('form')
        .send({ title: 'Session four', _csrf: browser.csrfToken });
      expect(formBlocked.status).toBe(429);
      retryAfterOf(formBlocked);
      await browser.agent
        .post('/api/blogs')
        .set('X-CSRF-Token', browser.csrfToken)
        .send({ title: 'Session five' })
        .expect(429);
      await browser.agent.get('/admin').expect(200);
      await browser.agent.get('/admin/tokens').expect(200);
    });

    it('should limit view reports per address with a plain Retry-After', async () => {
      const testApp = await pool.start({ VIEWS_RATE_LIMIT: '3' });
      const token = await issueApiToken(testApp, await createUser(testApp));
      const { slug } = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, slug);
      const readerPage = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
      const report = (cookie: string, localAddress?: string) =>
        sendRaw(testApp.url, {
          method: 'POST',
          target: `/blogs/${slug}/views`,
          headers: { Cookie: cookie },
          json: { postIds: [post.id] },
          localAddress,
        });
      const reader = readerCookieOf(readerPage);
      for (let i = 0; i < 3; i++) expect((await report(reader)).status).toBe(204);
      const blocked = await report(reader);
      expect({ status: blocked.status, body: blocked.json }).toEqual({
        status: 429,
        body: {
          ...TOO_MANY,
          message: expect.stringMatching(/^Too many view reports; try again in /),
        },
      });
      expect(retryAfterOf(blocked)).toBeGreaterThan(0);
      // Another reader behind the same address shares its budget; another address does not.
      const neighbour = readerCookieOf(await request(testApp.url).get(`/blogs/${slug}`));
      expect((await report(neighbour)).status).toBe(429);
      expect((await report(reader, '127.0.0.2')).status).toBe(204);
    });
  });

  describe('open streams per address', () => {
    const streams: RawSseReader[] = [];
    afterEach(async () => {
      for (const stream of streams.splice(0)) stream.close();
      await pool.closeAll();
    });

    async function open(
      testApp: TestApp,
      slug: string,
      options: { headers?: Record<string, string>; agent?: http.Agent } = {},
    ): Promise<RawSseReader> {
      const stream = await RawSseReader.open(streamUrl(testApp, slug), options);
      streams.push(stream);
      if (stream.status === 200) {
        await stream.waitFor((body) => body.retries.length > 0, 'the retry line');
      } else {
        await stream.waitForEnd();
      }
      return stream;
    }

    function expectRefused(stream: RawSseReader): void {
      expect({ status: stream.status, type: stream.headers['content-type'] }).toEqual({
        status: 429,
        type: 'application/json; charset=utf-8',
      });
      expect(JSON.parse(stream.text)).toEqual({
        ...TOO_MANY,
        message: 'Too many open streams from this address (2)',
      });
      expect(stream.retries).toEqual([]);
    }

    it('should refuse a third stream of one address with a 429 until one closes', async () => {
      const testApp = await pool.start({ SSE_MAX_PER_ADDRESS: '2' });
      const token = await issueApiToken(testApp, await createUser(testApp));
      const [first, second] = [await createBlog(testApp, token), await createBlog(testApp, token)];
      const a = await open(testApp, first.slug);
      const b = await open(testApp, first.slug);
      expect([a.status, b.status]).toEqual([200, 200]);
      // Per address, not per blog; and X-Forwarded-For is not believed without TRUST_PROXY.
      expectRefused(await open(testApp, second.slug));
      expectRefused(
        await open(testApp, first.slug, { headers: { 'X-Forwarded-For': '198.51.100.9' } }),
      );
      const elsewhere = new http.Agent({ localAddress: '127.0.0.2' });
      try {
        expect((await open(testApp, second.slug, { agent: elsewhere })).status).toBe(200);
      } finally {
        elsewhere.destroy();
      }

      // b says 2 readers when it goes live; once a has gone, the server says 1.
      await b.waitForReaders(2);
      a.close();
      await b.waitForReaders(1);
      const c = await open(testApp, second.slug);
      expect(c.status).toBe(200);
      expectRefused(await open(testApp, second.slug));
    });

    it('should count each X-Forwarded-For client apart behind a trusted proxy', async () => {
      const testApp = await pool.start({ SSE_MAX_PER_ADDRESS: '2', TRUST_PROXY: 'loopback' });
      const token = await issueApiToken(testApp, await createUser(testApp));
      const { slug } = await createBlog(testApp, token);
      const client = (address: string) => ({ headers: { 'X-Forwarded-For': address } });
      for (const address of ['198.51.100.1', '198.51.100.2']) {
        expect((await open(testApp, slug, client(address))).status).toBe(200);
        expect((await open(testApp, slug, client(address))).status).toBe(200);
        expectRefused(await open(testApp, slug, client(address)));
      }
      // The proxy's own address is a client of its own too.
      expect((await open(testApp, slug)).status).toBe(200);
    });
  });
});
