import { ACCESS_ENV, randomSecret } from './support/access-world';
import { SESSION_COOKIE, sessionCookieSet } from './support/cookies';
import { createUser, PASSWORD } from './support/factories';
import { RawRequest, sendRaw } from './support/raw-http';
import { countChecks } from './support/role-boundary-report';
import { printedSetupLink } from './support/setup-link';
import { makeDataDir, removeDataDir, startTestApp, TestApp } from './support/test-app';

/*
 * Login CSRF: the sign-in and setup forms, which need no session, take a post from this site
 * only, and never adopt a session cookie planted before.
 */

const checking = countChecks('sameOriginCases');

describe('Access control', () => {
  describe('sign-in and setup forms refuse posts from other sites', () => {
    let dataDir: string;
    let testApp: TestApp;

    afterEach(async () => {
      await testApp.close();
      removeDataDir(dataDir);
    });

    interface SignInForm {
      name: string;
      /** Whether the form is the first admin's: then the app starts without users. */
      setup: boolean;
      request(given: { token: string; email: string }): RawRequest;
      allowed: number;
    }

    const newAdmin = { name: 'First Admin', password: 'a long password' };
    const FORMS: SignInForm[] = [
      {
        name: 'POST /api/auth/login',
        setup: false,
        request: ({ email }) => ({
          method: 'POST',
          target: '/api/auth/login',
          json: { email, password: PASSWORD },
        }),
        allowed: 200,
      },
      {
        name: 'POST /admin/login',
        setup: false,
        request: ({ email }) => ({
          method: 'POST',
          target: '/admin/login',
          form: { email, password: PASSWORD },
        }),
        allowed: 303,
      },
      {
        name: 'POST /api/auth/setup',
        setup: true,
        request: ({ token, email }) => ({
          method: 'POST',
          target: '/api/auth/setup',
          json: { token, email, ...newAdmin },
        }),
        allowed: 201,
      },
      {
        name: 'POST /admin/setup',
        setup: true,
        request: ({ token, email }) => ({
          method: 'POST',
          target: '/admin/setup',
          form: { token, email, ...newAdmin },
        }),
        allowed: 200,
      },
    ];

    const CROSS_SITE: Array<[string, (url: URL) => Record<string, string>]> = [
      ['an Origin of another site', () => ({ Origin: 'https://evil.example' })],
      ['Sec-Fetch-Site: cross-site', () => ({ 'Sec-Fetch-Site': 'cross-site' })],
      ['Origin: null', () => ({ Origin: 'null' })],
      [
        'an Origin of another port of this host',
        (url) => ({ Origin: `${url.protocol}//${url.hostname}:${Number(url.port) + 1}` }),
      ],
      [
        'a cross-site Sec-Fetch-Site with this Origin',
        (url) => ({ Origin: url.origin, 'Sec-Fetch-Site': 'cross-site' }),
      ],
    ];

    it.each(FORMS.map((form) => [form.name, form] as const))(
      '%s: should answer 403 to each cross-site post, set no cookie, then take a same-origin one with a new session',
      async (_name, form) => {
        dataDir = makeDataDir();
        testApp = await startTestApp(dataDir, ACCESS_ENV);
        const url = new URL(testApp.url);
        const email = form.setup ? 'first@example.test' : (await createUser(testApp)).email;
        const token = form.setup
          ? new URL(printedSetupLink(testApp)).searchParams.get('token')!
          : '';
        const request = form.request({ token, email });

        for (const [what, headers] of CROSS_SITE) {
          const pass = checking();
          const got = await sendRaw(testApp.url, {
            ...request,
            headers: { ...request.headers, ...headers(url) },
          });
          expect({ what, status: got.status, cookie: sessionCookieSet(got) }).toEqual({
            what,
            status: 403,
            cookie: undefined,
          });
          pass();
        }

        // From this site, in a browser that had a cookie planted by an attacker.
        const planted = `${SESSION_COOKIE}=${randomSecret()}`;
        const pass = checking();
        const got = await sendRaw(testApp.url, {
          ...request,
          headers: { Origin: url.origin, 'Sec-Fetch-Site': 'same-origin', Cookie: planted },
        });
        expect(got.status).toBe(form.allowed);
        const issued = sessionCookieSet(got);
        expect(issued).toBeDefined();
        expect(issued).not.toBe(planted);
        const me = (cookie: string) =>
          sendRaw(testApp.url, {
            method: 'GET',
            target: '/api/auth/me',
            headers: { Cookie: cookie },
          });
        expect((await me(planted)).status).toBe(401);
        const signedIn = await me(issued!);
        expect(signedIn.status).toBe(200);
        expect(signedIn.json.user.email).toBe(email);
        pass();
      },
    );
  });
});
