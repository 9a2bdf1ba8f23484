import { existsSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createUser, PASSWORD, SignedInClient } from './support/factories';
import { DomUtils, Element, parseDocument } from './support/html-parser';
import { expectSecurityHeaders } from './support/security-headers';
import { RawSseReader, streamUrl } from './support/sse-client';
import { startStaffedApp } from './support/staffed-app';
import { fingerprintedUrl, PUBLIC_DIR } from './support/static-assets';
import { TestApp, TestAppPool } from './support/test-app';

/*
 * The strict Content-Security-Policy and the other security headers on every kind of answer,
 * pages that need nothing the policy forbids, and HSTS only where a trusted proxy says HTTPS.
 */

const URL_ATTRIBUTES = new Set(['href', 'src', 'action', 'formaction', 'poster', 'xlink:href']);

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
    // A JSON-LD data block is never run (the policy does not apply to it): the XSS suites
    // check that nothing breaks out of it.
    if (element.name === 'script' && element.attribs.type !== 'application/ld+json') {
      if (DomUtils.textContent(element).trim() !== '') blocked.push('inline <script>');
      asset(element, element.attribs.src);
    }
    if (element.name === 'style') blocked.push('<style>');
    if (element.name === 'link' && /stylesheet|icon/.test(element.attribs.rel ?? '')) {
      asset(element, element.attribs.href);
    }
    // A <base> may only set the target of links (the embed page's `_top`), never their URL.
    if (element.name === 'base' && 'href' in element.attribs) blocked.push('<base href>');
    if (element.name === 'object' || element.name === 'embed') blocked.push(`<${element.name}>`);
  }
  return { blocked, assets };
}

describe('Security hardening', () => {
  describe('on an app with readers, editors and an admin', () => {
    const pool = new TestAppPool();
    let testApp: TestApp;
    let admin: SignedInClient;
    let editor: SignedInClient;
    let token: string;
    let slug: string;
    let postId: number;
    let setupPage: request.Response;

    beforeAll(async () => {
      ({ testApp, admin, editor, token, slug, postId, setupPage } = await startStaffedApp(pool));
    });

    afterAll(() => pool.closeAll());

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

      it('should let any site frame the embed page, and only it, with the same strict policy', async () => {
        const embed = await request(testApp.url).get(`/blogs/${slug}/embed`).accept('text/html');
        expect(embed.status).toBe(200);
        expectSecurityHeaders('embed page', embed.headers, ['*']);
        expect(inspectPage(embed.text).blocked).toEqual([]);
        const script = await request(testApp.url).get('/embed.js');
        expect(script.status).toBe(200);
        expectSecurityHeaders('embed.js', script.headers);
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
          ['Atom feed', () => api().get(`/blogs/${slug}/feed.atom`), 200],
          ['robots.txt', () => api().get('/robots.txt'), 200],
          ['sitemap', () => api().get('/sitemap.xml'), 200],
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
  });

  describe('HTTPS behind a proxy (HSTS)', () => {
    const pool = new TestAppPool();
    afterEach(() => pool.closeAll());

    it('should send HSTS only for a request a trusted proxy says came over HTTPS', async () => {
      const testApp = await pool.start({ TRUST_PROXY: 'loopback' });
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
        const testApp = await pool.start(env);
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
});
