import request from 'supertest';
import { eventRows } from './support/factories';
import { sendBytes, sendRaw } from './support/raw-http';
import { RawSseReader, streamUrl } from './support/sse-client';
import { startStaffedApp } from './support/staffed-app';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * Requests too large or oddly shaped: bodies over 1 MB, 20 KB of headers, JSON nested past
 * 32 levels or holding prototype keys, and stream cursors of 4,000 characters.
 */

describe('Security hardening', () => {
  describe('on an app with readers, editors and an admin', () => {
    const pool = new TestAppPool();
    let testApp: TestApp;
    let token: string;
    let slug: string;

    beforeAll(async () => {
      ({ testApp, token, slug } = await startStaffedApp(pool));
    });

    afterAll(() => pool.closeAll());

    describe('request size and shape', () => {
      const tooLarge = {
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'The request body is too large',
      };

      it('should answer 413 with the JSON error to a JSON or form body over 1 MB', async () => {
        const big = 'a'.repeat(1024 * 1024 + 16);
        const json = await sendRaw(testApp.url, {
          method: 'POST',
          target: '/api/blogs',
          headers: { Authorization: `Bearer ${token}` },
          json: { title: 'Big', description: big },
        });
        expect({ status: json.status, body: json.json }).toEqual({ status: 413, body: tooLarge });
        const form = await sendRaw(testApp.url, {
          method: 'POST',
          target: '/admin/login',
          form: { email: 'a@b.test', password: big },
        });
        expect({ status: form.status, body: form.json }).toEqual({ status: 413, body: tooLarge });
        const chunked = await sendRaw(testApp.url, {
          method: 'POST',
          target: '/api/auth/login',
          json: { email: 'a@b.test', password: big },
          chunked: true,
        });
        expect({ status: chunked.status, body: chunked.json }).toEqual({
          status: 413,
          body: tooLarge,
        });
        // Just under the limit, the body is read (and then refused for what it says).
        const under = await sendRaw(testApp.url, {
          method: 'POST',
          target: '/api/blogs',
          headers: { Authorization: `Bearer ${token}` },
          json: { title: 'Big', description: 'a'.repeat(1000 * 1000) },
        });
        expect(under.status).toBe(400);
      });

      it('should answer 431 to 20 KB of headers, and go on serving', async () => {
        const answer = await sendBytes(
          testApp.url,
          `GET / HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`,
        );
        expect(answer.status).toBe(431);
        const cookies = await sendBytes(
          testApp.url,
          `GET / HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 400 }, (_, i) => `Cookie: c${i}=${'b'.repeat(50)}\r\n`).join('')}Connection: close\r\n\r\n`,
        );
        expect(cookies.status).toBe(431);
        await request(testApp.url).get('/health').expect(200);
      });

      /** A JSON value nested `levels` deep: `[[[]]]` is 3 levels. */
      const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

      it('should refuse JSON nested deeper than 32 levels with a 400, even 100,000 deep', async () => {
        const post = (body: string) =>
          sendRaw(testApp.url, {
            method: 'POST',
            target: '/api/blogs',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: Buffer.from(body),
          });
        const deepMessage = 'The request body nests deeper than 32 levels';
        for (const body of [
          nested(33),
          `{"title":"x","description":${nested(32)}}`,
          nested(100_000),
          '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000),
        ]) {
          const answer = await post(body);
          expect({ body: body.slice(0, 40), status: answer.status, json: answer.json }).toEqual({
            body: body.slice(0, 40),
            status: 400,
            json: { statusCode: 400, error: 'Bad Request', message: deepMessage },
          });
        }
        // 32 levels pass the check (and are then refused by the route for what they are).
        for (const body of [nested(32), `{"title":"x","description":${nested(31)}}`]) {
          const answer = await post(body);
          expect(answer.status).toBe(400);
          expect(answer.json.message).not.toBe(deepMessage);
        }
      });

      it.each([
        ['__proto__ at the top', '{"__proto__":{"polluted":true},"title":"x"}', '__proto__'],
        [
          'constructor at the top',
          '{"constructor":{"prototype":{"polluted":true}}}',
          'constructor',
        ],
        ['prototype nested', '{"title":"x","description":{"prototype":1}}', 'prototype'],
        [
          '__proto__ in an array',
          '{"title":"x","tags":[{"__proto__":{"polluted":true}}]}',
          '__proto__',
        ],
      ])('should refuse a JSON body with %s (400)', async (_name, body, key) => {
        for (const path of ['/api/blogs', '/api/auth/login']) {
          const answer = await sendRaw(testApp.url, {
            method: 'POST',
            target: path,
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body: Buffer.from(body),
          });
          expect({ path, status: answer.status, json: answer.json }).toEqual({
            path,
            status: 400,
            json: {
              statusCode: 400,
              error: 'Bad Request',
              message: `The request body may not hold the key ${key}`,
            },
          });
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      });
    });

    describe('stream cursors of 4,000 characters', () => {
      async function openedWith(
        after: string | undefined,
        headers: Record<string, string> = {},
      ): Promise<RawSseReader> {
        const stream = await RawSseReader.connect(streamUrl(testApp, slug, after), { headers });
        try {
          expect(stream.status).toBe(200);
          await stream.waitFor((body) => body.events.length > 0, 'the first event');
          return stream;
        } finally {
          stream.close();
        }
      }

      const resetTo = (id: number) => ({
        event: 'reset',
        id: String(id),
        data: expect.stringMatching(
          /^\{"reason":"The cursor is not a non-negative integer","epoch":"[\w-]{16}"\}$/,
        ),
      });

      it.each([
        ['a Last-Event-ID of 4,000 digits', undefined, { 'Last-Event-ID': '9'.repeat(4000) }],
        ['a Last-Event-ID of 4,000 letters', undefined, { 'Last-Event-ID': 'x'.repeat(4000) }],
        ['?after= of 4,000 digits', '1'.repeat(4000), {}],
        ['?after= of 4,000 other characters', '%<>"\'\\'.repeat(667).slice(0, 4000), {}],
      ])('should open the stream with a reset for %s', async (_name, after, headers) => {
        const newest = (await eventRows(testApp)).at(-1)!.id;
        const stream = await openedWith(after, headers);
        expect(stream.events[0]).toMatchObject(resetTo(newest));
      });

      it('should let a valid Last-Event-ID win over a 4,000-character ?after=', async () => {
        const stream = await openedWith('x'.repeat(4000), { 'Last-Event-ID': '0' });
        expect(stream.events[0]).toMatchObject({ event: 'post', id: expect.any(String) });
        expect(stream.events.some((event) => event.event === 'reset')).toBe(false);
      });
    });
  });
});
