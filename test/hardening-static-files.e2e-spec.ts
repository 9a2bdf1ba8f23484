import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { getExactly } from './support/raw-http';
import { expectSecurityHeaders } from './support/security-headers';
import { startStaffedApp } from './support/staffed-app';
import { fingerprintedUrl, PUBLIC_DIR } from './support/static-assets';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * /static/ serves the files of public/ and nothing else (no traversal however encoded, no
 * dotfile), and lets browsers keep only fingerprinted URLs.
 */

const YEAR_CACHE = 'public, max-age=31536000, immutable';

describe('Security hardening', () => {
  describe('on an app with readers, editors and an admin', () => {
    const pool = new TestAppPool();
    let testApp: TestApp;
    /** A dotfile inside public/: it must not be served either. */
    const dotfile = `.hardening-e2e-${process.pid}`;
    const dotfileMarker = `dotfile-content-${process.pid}`;

    beforeAll(async () => {
      writeFileSync(join(PUBLIC_DIR, dotfile), dotfileMarker);
      ({ testApp } = await startStaffedApp(pool));
    });

    afterAll(async () => {
      rmSync(join(PUBLIC_DIR, dotfile), { force: true });
      await pool.closeAll();
    });

    describe('static files', () => {
      /** Files outside public/ and what their content gives away. */
      const OUTSIDE = [
        '"name": "liveblog"', // package.json
        'announceSetupLink', // src/main.ts and dist/src/main.js
        'root:x:0:0', // /etc/passwd
        'repositoryformatversion', // .git/config
        'node_modules', // .gitignore
      ];
      const TRAVERSALS = [
        '/static/../package.json',
        '/static/../../package.json',
        '/static/css/../../package.json',
        '/static/css/site.css/../../../package.json',
        '/static/..%2fpackage.json',
        '/static/..%2Fpackage.json',
        '/static/css/..%2f..%2fpackage.json',
        '/static/css/..%2f..%2fsrc%2fmain.ts',
        '/static/%2e%2e/package.json',
        '/static/%2e%2e%2fpackage.json',
        '/static/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
        '/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
        '/static/../../../../../../../../etc/passwd',
        '/static/%252e%252e%252fpackage.json',
        '/static/%252e%252e/package.json',
        '/static/..%255cpackage.json',
        '/static/..%5cpackage.json',
        '/static/..%5c..%5cetc%5cpasswd',
        '/static/..\\package.json',
        '/static/css\\..\\..\\package.json',
        '/static/css/site.css%00',
        '/static/css/site.css%00.js',
        '/static/..%00/package.json',
        '/static/%00../package.json',
        '/static/css/',
        '/static/js/',
        '/static/',
        '/static',
        '/static/css',
        `/static/${dotfile}`,
        `/static/%2e${dotfile.slice(1)}`,
        `/static/css/../${dotfile}`,
        '/static/../.git/config',
        '/static/../.gitignore',
        '/static//etc/passwd',
        '/static/%2fetc%2fpasswd',
        '/static/%2Fetc/passwd',
        '/static/C:%5cWindows%5cwin.ini',
        '/static/%c0%ae%c0%ae/package.json',
        '/static/%c0%ae%c0%ae%c0%afpackage.json',
        '/static/%e0%80%ae%e0%80%ae/package.json',
        '/static/%c0%2e%c0%2e/package.json',
        '/static/....//package.json',
        '/static/..;/package.json',
        '/static/../dist/src/main.js',
        'http://127.0.0.1/static/../package.json',
      ];

      it(`should serve nothing from outside public/ nor any dotfile (${TRAVERSALS.length} tricks)`, async () => {
        // The harness does reach files: the same raw request for a real one gets it.
        const control = await getExactly(testApp.url, '/static/css/site.css');
        expect(control.status).toBe(200);
        expect(control.text).toBe(readFileSync(join(PUBLIC_DIR, 'css/site.css'), 'utf8'));

        const answers = await Promise.all(
          TRAVERSALS.map(async (target) => ({
            target,
            ...(await getExactly(testApp.url, target)),
          })),
        );
        for (const { target, status, text, headers } of answers) {
          const leaked = [...OUTSIDE, dotfileMarker].filter((marker) => text.includes(marker));
          expect({
            target,
            status: [400, 404].includes(status) ? 'refused' : status,
            leaked,
          }).toEqual({ target, status: 'refused', leaked: [] });
          if (status !== 400 || headers['content-security-policy'] !== undefined) {
            expectSecurityHeaders(target, headers);
          }
        }
      });

      it('should let browsers keep fingerprinted URLs for a year and revalidate any other', async () => {
        for (const name of ['css/site.css', 'js/reader.js', 'js/admin.js', 'favicon.svg']) {
          const url = fingerprintedUrl(name);
          const kept = await request(testApp.url).get(url).expect(200);
          expect({ url, cache: kept.headers['cache-control'] }).toEqual({ url, cache: YEAR_CACHE });
          for (const other of [
            `/static/${name}`,
            `/static/${name}?v=000000000000`,
            `/static/${name}?v=${url.slice(-12).toUpperCase()}x`,
            `${url}&v=000000000000`,
          ]) {
            const plain = await request(testApp.url).get(other).expect(200);
            expect({ other, cache: plain.headers['cache-control'] }).toEqual({
              other,
              cache: 'no-cache',
            });
          }
        }
      });
    });
  });
});
