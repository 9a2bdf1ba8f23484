import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import net from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import request from 'supertest';
import { ApiTokensService } from '../src/auth/api-tokens.service';
import { SetupService } from '../src/auth/setup.service';
import { UsersService } from '../src/auth/users.service';
import { InvalidConfigError, loadConfig } from '../src/config/app-config';
import { spawnServer } from './support/server-process';
import {
  createBlog,
  createUser,
  eventRows,
  PASSWORD,
  publishPost,
  signIn,
  SignedInClient,
  TestUser,
} from './support/factories';
import { RawSseReader, streamUrl, within } from './support/sse-client';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/**
 * htmlparser2 as sanitize-html loads it (v10, CommonJS): the top-level v12 is ESM-only, which
 * Jest's CommonJS runtime cannot load (as in test/xss.e2e-spec.ts). The same API.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DomUtils, parseDocument } = require(
  require.resolve('htmlparser2', { paths: [dirname(require.resolve('sanitize-html'))] }),
) as typeof import('htmlparser2');

const PUBLIC_DIR = join(__dirname, '..', 'public');
const YEAR_CACHE = 'public, max-age=31536000, immutable';

/** The policy of every answer, directive by directive (frame-ancestors set by FRAME_ANCESTORS). */
function strictPolicy(frameAncestors: string[] = ["'self'"]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'https:'],
    'connect-src': ["'self'"],
    'font-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': frameAncestors,
  };
}

/** A Content-Security-Policy header as directives; a directive given twice is kept twice. */
function directivesOf(header: string | string[] | undefined): Record<string, string[]> {
  if (typeof header !== 'string') return { missing: [String(header)] };
  const directives: Record<string, string[]> = {};
  for (const part of header.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (!name) continue;
    const key = name in directives ? `${name} (again)` : name;
    directives[key] = sources;
  }
  return directives;
}

/**
 * What every answer must carry, named after the answer so a failure says which one: the
 * strict policy (no 'unsafe-*', nonces, hashes or wildcards), and the other security headers.
 */
function expectSecurityHeaders(
  what: string,
  headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>,
  frameAncestors: string[] = ["'self'"],
): void {
  const policy = headers['content-security-policy'];
  expect({ what, policy: directivesOf(policy) }).toEqual({
    what,
    policy: strictPolicy(frameAncestors),
  });
  expect({ what, loose: String(policy).match(/'unsafe-[\w-]+'|'nonce-|'sha\d+-|\*/g) }).toEqual({
    what,
    loose: null,
  });
  expect({
    what,
    xFrameOptions: headers['x-frame-options'],
    referrerPolicy: headers['referrer-policy'],
    contentTypeOptions: headers['x-content-type-options'],
    hsts: headers['strict-transport-security'],
    poweredBy: headers['x-powered-by'],
  }).toEqual({
    what,
    xFrameOptions: frameAncestors.join(' ') === "'self'" ? 'SAMEORIGIN' : undefined,
    referrerPolicy: 'strict-origin-when-cross-origin',
    contentTypeOptions: 'nosniff',
    hsts: undefined,
    poweredBy: undefined,
  });
}

type Element = ReturnType<typeof DomUtils.findAll>[number];

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'xlink:href']);

/** Fingerprinted asset URL of a file of public/: `/static/<name>?v=<12 hex of its SHA-256>`. */
function fingerprintedUrl(name: string): string {
  const digest = createHash('sha256')
    .update(readFileSync(join(PUBLIC_DIR, name)))
    .digest('hex');
  return `/static/${name}?v=${digest.slice(0, 12)}`;
}

/**
 * What a page holds that the strict policy would block (inline scripts, styles and handlers,
 * `javascript:` URLs) or that loads from elsewhere than a fingerprinted file of public/; and
 * the assets it links.
 */
function inspectPage(html: string): { blocked: string[]; assets: string[] } {
  const document = parseDocument(html);
  const blocked: string[] = [];
  const assets: string[] = [];
  const asset = (element: Element, url: string | undefined) => {
    const name = url?.match(/^\/static\/([\w./-]+)\?v=[0-9a-f]{12}$/)?.[1];
    if (url === undefined || !name || !existsSync(join(PUBLIC_DIR, name))) {
      blocked.push(`<${element.name}> loading ${url}`);
    } else {
      assets.push(url);
    }
  };
  for (const element of DomUtils.findAll(() => true, document.children)) {
    for (const [name, value] of Object.entries(element.attribs)) {
      if (/^on/i.test(name)) blocked.push(`${name}= on <${element.name}>`);
      if (name === 'style') blocked.push(`style= on <${element.name}>`);
      if (URL_ATTRIBUTES.has(name) && /^\s*(?:javascript|data):/i.test(value)) {
        blocked.push(`${name}="${value}"`);
      }
    }
    if (element.name === 'script') {
      if (DomUtils.textContent(element).trim() !== '') blocked.push('inline <script>');
      asset(element, element.attribs.src);
    }
    if (element.name === 'style') blocked.push('<style>');
    if (element.name === 'link' && /stylesheet|icon/.test(element.attribs.rel ?? '')) {
      asset(element, element.attribs.href);
    }
    if (element.name === 'base' || element.name === 'object' || element.name === 'embed') {
      blocked.push(`<${element.name}>`);
    }
  }
  return { blocked, assets };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An HTTP/1.1 answer as bytes: status, headers (lower case), body (chunked decoded). */
function parseResponse(bytes: Buffer): RawResponse {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: bytes.toString('latin1') };
  const [statusLine, ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  let body = bytes.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: body.toString('utf8') };
}

/**
 * Sends bytes exactly as given over a TCP connection (no client library to normalise `..`,
 * encodings or backslashes) and reads the answer until the server closes.
 */
function exchange(baseUrl: string, bytes: string | Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: hostname, port: Number(port) }, () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A server that answers before reading everything may reset the connection after.
    socket.on('error', (error) => (chunks.length > 0 ? undefined : reject(error)));
    socket.on('close', () => resolve(parseResponse(Buffer.concat(chunks))));
  });
}

/** A GET of exactly this request target. */
function rawGet(baseUrl: string, target: string, headers: Record<string, string> = {}) {
  const { host } = new URL(baseUrl);
  const lines = Object.entries({ Host: host, Connection: 'close', ...headers })
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  return exchange(baseUrl, `GET ${target} HTTP/1.1\r\n${lines}\r\n`);
}

interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Connect from this address: all of 127.0.0.0/8 is this host, each address a client. */
  localAddress?: string;
}

/** node:http request that keeps the answer even when the server closes before reading all. */
function send(
  baseUrl: string,
  path: string,
  options: SendOptions = {},
): Promise<{ status: number; headers: IncomingHttpHeaders; text: string; json: any }> {
  const { hostname, port } = new URL(baseUrl);
  const body = options.body === undefined ? undefined : Buffer.from(options.body);
  return new Promise((resolve, reject) => {
    let answered = false;
    const outgoing = http.request(
      {
        host: hostname,
        port: Number(port),
        path,
        method: options.method ?? 'GET',
        agent: false,
        localAddress: options.localAddress,
        headers: {
          ...(body && !options.headers?.['Transfer-Encoding']
            ? { 'Content-Length': body.length }
            : {}),
          ...options.headers,
        },
      },
      (response) => {
        answered = true;
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json });
        });
      },
    );
    outgoing.on('error', (error) => (answered ? undefined : reject(error)));
    outgoing.end(body);
  });
}

/** The one-time setup link the server prints while it has no user. */
function printedSetupLink(testApp: TestApp): string {
  const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  try {
    testApp.app.get(SetupService).announceSetupLink(testApp.url);
    const line = warn.mock.calls
      .map(([message]) => String(message))
      .find((message) => message.includes('/admin/setup'));
    const link = line?.match(/https?:\/\/\S+/)?.[0];
    if (!link) throw new Error('no setup link printed');
    return link;
  } finally {
    warn.mockRestore();
  }
}

/** An API token of a user, made the way the admin UI makes one (no request, no rate limit). */
async function tokenOf(testApp: TestApp, user: TestUser, name = 'script'): Promise<string> {
  const entity = await testApp.app.get(UsersService).findByEmail(user.email);
  return (await testApp.app.get(ApiTokensService).create(entity!, name)).secret;
}

/** The `liveblog_session=<value>` pair a response sets, as a browser sends it back. */
function sessionCookieOf(response: { headers: IncomingHttpHeaders }): string {
  const cookies = response.headers['set-cookie'] ?? [];
  const cookie = cookies.find((value) => value.startsWith('liveblog_session='));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return cookie.split(';')[0];
}

function readerCookieOf(response: { headers: IncomingHttpHeaders }): string {
  const cookies = response.headers['set-cookie'] ?? [];
  return cookies.find((value) => value.startsWith('liveblog_reader='))!.split(';')[0];
}

/** Retry-After as the contract wants it: a plain header, a whole number of seconds. */
function retryAfterOf(response: { headers: IncomingHttpHeaders }): number {
  const value = response.headers['retry-after'];
  expect(value).toMatch(/^\d+$/);
  expect(Object.keys(response.headers).filter((name) => name.startsWith('retry-after-'))).toEqual(
    [],
  );
  return Number(value);
}

const TOO_MANY = { statusCode: 429, error: 'Too Many Requests' };

describe('Security hardening', () => {
  const dataDirs: string[] = [];
  const apps: TestApp[] = [];

  /** A fresh app on a fresh data folder, closed after the test (or the describe). */
  async function freshApp(env: Record<string, string> = {}): Promise<TestApp> {
    const dataDir = makeDataDir();
    dataDirs.push(dataDir);
    const testApp = await startTestApp(dataDir, env);
    apps.push(testApp);
    return testApp;
  }

  /** Closes one app early (a restart), so closeAll does not close it again. */
  async function closeApp(testApp: TestApp): Promise<void> {
    apps.splice(apps.indexOf(testApp), 1);
    await testApp.close();
  }

  async function closeAll(): Promise<void> {
    for (const testApp of apps.splice(0)) await testApp.close();
    for (const dir of dataDirs.splice(0)) removeDataDir(dir);
  }

  describe('on an app with readers, editors and an admin', () => {
    let testApp: TestApp;
    let admin: SignedInClient;
    let editor: SignedInClient;
    let token: string;
    let slug: string;
    let postId: number;
    let setupPage: request.Response;
    /** A dotfile inside public/: it must not be served either. */
    const dotfile = `.hardening-e2e-${process.pid}`;
    const dotfileMarker = `dotfile-content-${process.pid}`;

    beforeAll(async () => {
      writeFileSync(join(PUBLIC_DIR, dotfile), dotfileMarker);
      testApp = await freshApp();
      // The setup page exists only while there is no user.
      setupPage = await request(printedSetupLink(testApp)).get('').expect(200);
      const [adminUser, editorUser] = await Promise.all([
        createUser(testApp, { role: 'admin', name: 'Ada Admin' }),
        createUser(testApp, { name: 'Eddie Editor' }),
      ]);
      [admin, editor] = await Promise.all([
        signIn(testApp, adminUser),
        signIn(testApp, editorUser),
      ]);
      token = await tokenOf(testApp, adminUser);
      slug = (await createBlog(testApp, token, { title: 'Cup final' })).slug;
      postId = (await publishPost(testApp, token, slug, { body: 'Kick-off' })).post.id;
    });

    afterAll(async () => {
      rmSync(join(PUBLIC_DIR, dotfile), { force: true });
      await closeAll();
    });

    describe('Content-Security-Policy and the other security headers', () => {
      it('should send the strict policy on every page, whose HTML needs nothing it forbids', async () => {
        const html = 'text/html';
        const pages: Array<[string, () => Promise<request.Response>, number]> = [
          ['home', () => request(testApp.url).get('/').accept(html), 200],
          ['blog page', () => request(testApp.url).get(`/blogs/${slug}`).accept(html), 200],
          [
            'permalink',
            () => request(testApp.url).get(`/blogs/${slug}/posts/${postId}`).accept(html),
            200,
          ],
          ['404 page', () => request(testApp.url).get('/no/such/page').accept(html), 404],
          ['admin sign-in', () => request(testApp.url).get('/admin/login').accept(html), 200],
          ['setup', () => Promise.resolve(setupPage), 200],
          ['dashboard', () => admin.agent.get('/admin').accept(html), 200],
          ['composer', () => admin.agent.get(`/admin/blogs/${slug}`).accept(html), 200],
          ['users', () => admin.agent.get('/admin/users').accept(html), 200],
          ['tokens', () => admin.agent.get('/admin/tokens').accept(html), 200],
          ['account', () => admin.agent.get('/admin/account').accept(html), 200],
          ["editor's 403 page", () => editor.agent.get('/admin/users').accept(html), 403],
        ];
        const assets = new Set<string>();
        for (const [name, open, status] of pages) {
          const page = await open();
          expect({ name, status: page.status, type: page.type }).toEqual({
            name,
            status,
            type: 'text/html',
          });
          expectSecurityHeaders(name, page.headers);
          const inspected = inspectPage(page.text);
          expect({ name, blocked: inspected.blocked }).toEqual({ name, blocked: [] });
          inspected.assets.forEach((url) => assets.add(url));
        }
        // The pages do load their scripts and styles: all from public/, all fingerprinted.
        expect([...assets].sort()).toEqual(
          expect.arrayContaining([
            fingerprintedUrl('css/site.css'),
            fingerprintedUrl('favicon.svg'),
            fingerprintedUrl('js/reader.js'),
            fingerprintedUrl('js/admin.js'),
          ]),
        );
        for (const url of assets)
          expect(url).toBe(fingerprintedUrl(url.slice(8, url.indexOf('?'))));
      });

      it('should send it with JSON answers, errors, redirects and files too', async () => {
        const api = () => request(testApp.url);
        const answers: Array<[string, () => Promise<{ status: number; headers: any }>, number]> = [
          ['GET /api/blogs', () => api().get('/api/blogs').auth(token, { type: 'bearer' }), 200],
          ['public posts', () => api().get(`/api/blogs/${slug}/posts`), 200],
          ['401', () => api().get('/api/auth/me'), 401],
          ['JSON 404', () => api().get('/api/blogs/no-such-blog'), 404],
          ['400', () => api().get(`/blogs/${slug}/posts/abc`), 400],
          [
            '201',
            () => api().post('/api/blogs').auth(token, { type: 'bearer' }).send({ title: 'Extra' }),
            201,
          ],
          ['health', () => api().get('/health'), 200],
          ['redirect to sign-in', () => api().get('/admin').accept('text/html'), 303],
          ['static file', () => api().get(fingerprintedUrl('js/reader.js')), 200],
          ['static 404', () => api().get('/static/no-such-file.js'), 404],
        ];
        for (const [name, answer, status] of answers) {
          const response = await answer();
          expect({ name, status: response.status }).toEqual({ name, status });
          expectSecurityHeaders(name, response.headers);
        }
      });

      it('should keep streams lean: no document headers, no request log, but never sniffed', async () => {
        // A stream is no document, and what a response carries stays as long as its reader.
        const stream = await RawSseReader.connect(streamUrl(testApp, slug));
        try {
          expect(stream.status).toBe(200);
          expect(stream.headers['x-content-type-options']).toBe('nosniff');
          expect(stream.headers['content-security-policy']).toBeUndefined();
          expect(stream.headers['set-cookie']).toBeUndefined();
          // Set by the request log's middleware, which a stream skips like the others.
          expect(stream.headers['x-request-id']).toBeUndefined();
        } finally {
          stream.close();
        }
      });
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
        const control = await rawGet(testApp.url, '/static/css/site.css');
        expect(control.status).toBe(200);
        expect(control.body).toBe(readFileSync(join(PUBLIC_DIR, 'css/site.css'), 'utf8'));

        const answers = await Promise.all(
          TRAVERSALS.map(async (target) => ({ target, ...(await rawGet(testApp.url, target)) })),
        );
        for (const { target, status, body, headers } of answers) {
          const leaked = [...OUTSIDE, dotfileMarker].filter((marker) => body.includes(marker));
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

    describe('request size and shape', () => {
      const tooLarge = {
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'The request body is too large',
      };

      it('should answer 413 with the JSON error to a JSON or form body over 1 MB', async () => {
        const big = 'a'.repeat(1024 * 1024 + 16);
        const json = await send(testApp.url, '/api/blogs', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: 'Big', description: big }),
        });
        expect({ status: json.status, body: json.json }).toEqual({ status: 413, body: tooLarge });
        const form = await send(testApp.url, '/admin/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: `email=a%40b.test&password=${big}`,
        });
        expect({ status: form.status, body: form.json }).toEqual({ status: 413, body: tooLarge });
        const chunked = await send(testApp.url, '/api/auth/login', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' },
          body: JSON.stringify({ email: 'a@b.test', password: big }),
        });
        expect({ status: chunked.status, body: chunked.json }).toEqual({
          status: 413,
          body: tooLarge,
        });
        // Just under the limit, the body is read (and then refused for what it says).
        const under = await send(testApp.url, '/api/blogs', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ title: 'Big', description: 'a'.repeat(1000 * 1000) }),
        });
        expect(under.status).toBe(400);
      });

      it('should answer 431 to 20 KB of headers, and go on serving', async () => {
        const answer = await exchange(
          testApp.url,
          `GET / HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20 * 1024)}\r\nConnection: close\r\n\r\n`,
        );
        expect(answer.status).toBe(431);
        const cookies = await exchange(
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
          send(testApp.url, '/api/blogs', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body,
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
          const answer = await send(testApp.url, path, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
            body,
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
        data: JSON.stringify({ reason: 'The cursor is not a non-negative integer' }),
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

  describe('configuration', () => {
    let dataDir: string;
    beforeEach(() => {
      dataDir = makeDataDir();
    });
    afterEach(async () => {
      await closeAll();
      removeDataDir(dataDir);
    });
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
      const testApp = await freshApp({ FRAME_ANCESTORS: 'https://news.example.com' });
      for (const path of ['/', '/admin/login', '/api/blogs', '/no/such/page']) {
        const response = await request(testApp.url).get(path).accept('text/html');
        expectSecurityHeaders(path, response.headers, ['https://news.example.com']);
        expect(response.headers['x-frame-options']).toBeUndefined();
      }
    });
  });

  describe('HTTPS behind a proxy (HSTS)', () => {
    afterEach(closeAll);

    it('should send HSTS only for a request a trusted proxy says came over HTTPS', async () => {
      const testApp = await freshApp({ TRUST_PROXY: 'loopback' });
      const user = await createUser(testApp);
      const plain = await request(testApp.url).get('/').expect(200);
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      for (const path of ['/', '/api/blogs', '/admin/login']) {
        const secure = await request(testApp.url).get(path).set('X-Forwarded-Proto', 'https');
        expect({ path, hsts: secure.headers['strict-transport-security'] }).toEqual({
          path,
          hsts: 'max-age=31536000',
        });
      }
      const overHttp = await request(testApp.url).get('/').set('X-Forwarded-Proto', 'http');
      expect(overHttp.headers['strict-transport-security']).toBeUndefined();
      // Over HTTPS the session cookie is Secure as well.
      const login = await request(testApp.url)
        .post('/api/auth/login')
        .set('X-Forwarded-Proto', 'https')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      expect(
        (login.headers['set-cookie'] as unknown as string[]).find((c) =>
          c.startsWith('liveblog_session='),
        ),
      ).toMatch(/; Secure/);
    });

    it.each([
      ['TRUST_PROXY unset', {}],
      ['a proxy other than this client trusted', { TRUST_PROXY: '10.0.0.0/8' }],
    ])(
      'should send no HSTS when X-Forwarded-Proto comes from an untrusted client (%s)',
      async (_name, env) => {
        const testApp = await freshApp(env);
        for (const path of ['/', '/api/blogs', '/admin/login']) {
          const response = await request(testApp.url)
            .get(path)
            .set('X-Forwarded-Proto', 'https')
            .set('X-Forwarded-For', '203.0.113.5');
          expect({ path, hsts: response.headers['strict-transport-security'] }).toEqual({
            path,
            hsts: undefined,
          });
        }
      },
    );
  });

  describe('session secret', () => {
    afterEach(closeAll);

    it('should generate a 0600 secret next to the database, keep it, and never log it', async () => {
      const dataDir = makeDataDir();
      dataDirs.push(dataDir);
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
      let testApp = await freshApp();
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
      await closeApp(testApp);

      testApp = await startTestApp(dataDir);
      apps.push(testApp);
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
      const dataDir = makeDataDir();
      dataDirs.push(dataDir);
      const databasePath = join(dataDir, 'liveblog.sqlite');
      const secretPath = join(dataDir, 'liveblog.secret');
      writeFileSync(secretPath, `${'r'.repeat(48)}\n`, { mode: 0o644 });
      chmodSync(secretPath, 0o644);
      expect(loadConfig({ DATABASE_PATH: databasePath }).SESSION_SECRET).toBe('r'.repeat(48));
      expect(statSync(secretPath).mode & 0o777).toBe(0o600);
    });

    it('should use SESSION_SECRET without writing a file, and refuse cookies signed with another', async () => {
      const first = { SESSION_SECRET: 'a'.repeat(40) };
      let testApp = await freshApp(first);
      const dataDir = dirname(testApp.databasePath);
      const login = await request(testApp.url)
        .post('/api/auth/login')
        .send({ email: (await createUser(testApp)).email, password: PASSWORD })
        .expect(200);
      const cookie = sessionCookieOf(login);
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(200);
      await closeApp(testApp);
      expect(existsSync(join(dataDir, 'liveblog.secret'))).toBe(false);

      testApp = await startTestApp(dataDir, { SESSION_SECRET: 'b'.repeat(40) });
      apps.push(testApp);
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(401);
      await closeApp(testApp);
      testApp = await startTestApp(dataDir, first);
      apps.push(testApp);
      await request(testApp.url).get('/api/auth/me').set('Cookie', cookie).expect(200);
      expect(existsSync(join(dataDir, 'liveblog.secret'))).toBe(false);
    });
  });

  describe('rate limits', () => {
    afterEach(async () => {
      jest.restoreAllMocks();
      await closeAll();
    });

    const signInTooOften = {
      ...TOO_MANY,
      message: expect.stringMatching(/^Too many sign-in attempts; try again in /),
    };

    it('should refuse the 11th sign-in attempt of an address within a minute, API and form alike', async () => {
      const testApp = await freshApp();
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
      const elsewhere = await send(testApp.url, '/api/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: user.email, password: PASSWORD }),
        localAddress: '127.0.0.2',
      });
      expect(elsewhere.status).toBe(200);
    });

    it('should double the block of an address each time it is blocked again within a day, up to an hour', async () => {
      const testApp = await freshApp();
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
      const testApp = await freshApp({ TRUST_PROXY: 'loopback' });
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
      const testApp = await freshApp({ API_WRITE_RATE_LIMIT: '3' });
      const user = await createUser(testApp);
      const [first, second] = [
        await tokenOf(testApp, user, 'a'),
        await tokenOf(testApp, user, 'b'),
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
      const testApp = await freshApp({ VIEWS_RATE_LIMIT: '3' });
      const token = await tokenOf(testApp, await createUser(testApp));
      const { slug } = await createBlog(testApp, token);
      const { post } = await publishPost(testApp, token, slug);
      const readerPage = await request(testApp.url).get(`/blogs/${slug}`).expect(200);
      const report = (cookie: string, localAddress?: string) =>
        send(testApp.url, `/blogs/${slug}/views`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Cookie: cookie },
          body: JSON.stringify({ postIds: [post.id] }),
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
      await closeAll();
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
      const testApp = await freshApp({ SSE_MAX_PER_ADDRESS: '2' });
      const token = await tokenOf(testApp, await createUser(testApp));
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
      const testApp = await freshApp({ SSE_MAX_PER_ADDRESS: '2', TRUST_PROXY: 'loopback' });
      const token = await tokenOf(testApp, await createUser(testApp));
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

  describe('password changes', () => {
    afterEach(closeAll);

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
      const testApp = await freshApp();
      const user = await createUser(testApp);
      const [browser, other] = [await signIn(testApp, user), await signIn(testApp, user)];
      const token = await tokenOf(testApp, user);
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
      const testApp = await freshApp();
      const user = await createUser(testApp);
      const browser = await signIn(testApp, user);
      const oldCookie = sessionCookieOf(
        await signInWith(testApp, user.email, PASSWORD).expect(200),
      );
      const other = await signIn(testApp, user);
      const tokens = [await tokenOf(testApp, user, 'a'), await tokenOf(testApp, user, 'b')];
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
      const testApp = await freshApp();
      const [adminUser, editorUser] = await Promise.all([
        createUser(testApp, { role: 'admin' }),
        createUser(testApp),
      ]);
      const [admin, editor] = [await signIn(testApp, adminUser), await signIn(testApp, editorUser)];
      const [adminToken, editorToken] = [
        await tokenOf(testApp, adminUser),
        await tokenOf(testApp, editorUser),
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
      const testApp = await freshApp();
      const [adminUser, editorUser, otherUser] = await Promise.all([
        createUser(testApp, { role: 'admin' }),
        createUser(testApp),
        createUser(testApp),
      ]);
      const editor = await signIn(testApp, editorUser);
      const editorToken = await tokenOf(testApp, editorUser);
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
