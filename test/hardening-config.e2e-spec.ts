import { join } from 'node:path';
import request from 'supertest';
import { InvalidConfigError, loadConfig } from '../src/config/app-config';
import { expectSecurityHeaders } from './support/security-headers';
import { spawnServer } from './support/server-process';
import { within } from './support/sse-client';
import { TestAppPool } from './support/test-app';

/*
 * The settings that weaken security if wrong (FRAME_ANCESTORS, TRUST_PROXY, SESSION_SECRET)
 * are checked at boot: a bad one stops the server with one line naming it.
 */

describe('Security hardening', () => {
  const pool = new TestAppPool();

  describe('configuration', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = pool.dataDir();
    });
    afterEach(() => pool.closeAll());
    const configWith = (env: Record<string, string>) =>
      loadConfig({ DATABASE_PATH: join(dataDir, 'liveblog.sqlite'), ...env });

    it.each([
      ['FRAME_ANCESTORS', '*'],
      ['FRAME_ANCESTORS', "'unsafe-inline'"],
      ['FRAME_ANCESTORS', 'https://news.example.com; script-src *'],
      ['FRAME_ANCESTORS', "'self',https://news.example.com"],
      ['FRAME_ANCESTORS', 'javascript:alert(1)'],
      ['FRAME_ANCESTORS', 'data:'],
      ['FRAME_ANCESTORS', 'news.example.com'],
      ['FRAME_ANCESTORS', 'https://news.example.com\r\nSet-Cookie: x=1'],
      ['TRUST_PROXY', 'yes'],
      ['TRUST_PROXY', '-1'],
      ['TRUST_PROXY', '1.5'],
      ['TRUST_PROXY', '10.0.0.0/33'],
      ['TRUST_PROXY', 'loopback;10.0.0.1'],
      ['TRUST_PROXY', 'loopback,'],
      ['SESSION_SECRET', 'too short a secret'],
    ])('should refuse %s=%j with a one-line error naming it', (name, value) => {
      let error: unknown;
      try {
        configWith({ [name]: value });
      } catch (thrown) {
        error = thrown;
      }
      expect(error).toBeInstanceOf(InvalidConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^Invalid configuration: ${name} must `));
      expect(message).not.toMatch(/\n/);
      if (name === 'SESSION_SECRET') expect(message).not.toContain(value);
    });

    it.each([
      ['FRAME_ANCESTORS', "'none'"],
      ['FRAME_ANCESTORS', 'https://news.example.com https://*.partner.example:8443'],
      ['TRUST_PROXY', 'true'],
      ['TRUST_PROXY', '2'],
      ['TRUST_PROXY', 'loopback, 10.0.0.0/8,192.0.2.7'],
    ])('should accept %s=%j', (name, value) => {
      expect(() => configWith({ [name]: value })).not.toThrow();
    });

    it('should stop the server with that one line and exit code 1', async () => {
      const server = spawnServer({
        DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
        TRUST_PROXY: 'loopback,not-an-address',
      });
      expect(await within(server.exited, 15_000, 'the server to exit')).toBe(1);
      expect(server.output().trim().split('\n')).toEqual([
        'Invalid configuration: TRUST_PROXY must be false, true, a number of proxies, or addresses/subnets such as loopback,10.0.0.0/8',
      ]);
    });

    it('should put FRAME_ANCESTORS in frame-ancestors and then send no X-Frame-Options', async () => {
      const testApp = await pool.start({ FRAME_ANCESTORS: 'https://news.example.com' });
      for (const path of ['/', '/admin/login', '/api/blogs', '/no/such/page']) {
        const response = await request(testApp.url).get(path).accept('text/html');
        expectSecurityHeaders(path, response.headers, ['https://news.example.com']);
        expect(response.headers['x-frame-options']).toBeUndefined();
      }
    });
  });
});
