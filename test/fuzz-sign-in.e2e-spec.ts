import fc from 'fast-check';
import { authWithoutSession } from './support/fuzz-credentials';
import { dtoFields, hostileBody, hostileForm, oneIn } from './support/fuzz-inputs';
import { emailOf, password, setupDto } from './support/fuzz-valid-inputs';
import { ENDPOINT_TIMEOUT_MS, LOGIN_RUNS, WriteFuzzer } from './support/write-fuzzer';

/*
 * Hostile input at signing in and out and at the first admin's setup, through the JSON API
 * and the admin's forms (see test/support/write-fuzzer.ts for what every answer must be).
 */

describe('Fuzzing the write endpoints and the stream cursor', () => {
  const fuzzer = new WriteFuzzer('fuzz-sign-in');

  beforeAll(() => fuzzer.start(), 60_000);
  afterAll(() => fuzzer.stop());

  describe('the JSON API', () => {
    it(
      'should answer POST /api/auth/login with 2xx/4xx and start a session only for the right password',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/auth/login',
          auth: authWithoutSession,
          method: 'POST',
          public: true,
          freshAddress: true,
          // Now and then another site's page (login CSRF): a 403.
          params: oneIn(
            4,
            fc.constantFrom('null', 'https://evil.example', 'http://127.0.0.1', 'not a url'),
          ),
          target: () => '/api/auth/login',
          extraHeaders: ({ params: origin }): Record<string, string> =>
            origin ? { Origin: origin } : {},
          body: hostileBody(
            dtoFields({
              email: emailOf(() => [fuzzer.admin, fuzzer.editor, fuzzer.victim]),
              password,
            }),
            ['email', 'password'],
          ),
          absorb: (answer) => {
            expect(answer.status).toBe(200);
            expect(answer.json.csrfToken).toEqual(expect.any(String));
            fuzzer.ledger.signedIn(answer.json.user.id);
          },
          runs: LOGIN_RUNS,
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/auth/logout with 2xx/4xx and end only the session it was sent with',
      () => fuzzer.fuzzSignOut('POST /api/auth/logout', '/api/auth/logout', false),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /api/auth/setup with 4xx: the setup link is not guessable',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /api/auth/setup',
          freshAddress: true,
          method: 'POST',
          public: true,
          params: fc.constant(null),
          target: () => '/api/auth/setup',
          body: hostileBody(setupDto, ['token', 'email', 'name', 'password']),
          expectAlso: (answer) => expect(answer.status).toBeGreaterThanOrEqual(400),
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });

  describe('the admin forms', () => {
    it(
      'should answer POST /admin/login with 303/4xx and start a session only for the right password',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/login',
          auth: authWithoutSession,
          method: 'POST',
          form: true,
          public: true,
          freshAddress: true,
          params: fc.constant(null),
          target: () => '/admin/login',
          body: hostileForm(
            dtoFields({
              email: emailOf(() => [fuzzer.admin, fuzzer.editor]),
              password,
              next: fc.constantFrom(
                '/admin',
                '/admin/tokens',
                '//evil.example',
                'https://evil.example',
                '/admin/../..',
              ),
            }),
            ['email', 'password', 'next'],
          ),
          expectAlso: (answer) => {
            // Never off to another site, whatever `next` says.
            if (answer.status === 303)
              expect(answer.headers.location).toMatch(/^\/admin(\/[\w\-./%]*)?$/);
          },
          absorb: async (answer) => {
            expect(answer.status).toBe(303);
            const sessions: Array<{ userId: number; count: number }> =
              await fuzzer.testApp.database.query(
                'SELECT userId, COUNT(*) AS count FROM sessions GROUP BY userId',
              );
            const grown = sessions.filter(
              (row) => row.count === (fuzzer.ledger.sessions.get(row.userId) ?? 0) + 1,
            );
            expect(grown).toHaveLength(1);
            fuzzer.ledger.signedIn(grown[0].userId);
          },
          runs: LOGIN_RUNS,
        }),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/logout with 303/4xx and end only the session it was sent with',
      () => fuzzer.fuzzSignOut('POST /admin/logout', '/admin/logout', true),
      ENDPOINT_TIMEOUT_MS,
    );

    it(
      'should answer POST /admin/setup with 4xx: the setup link is not guessable',
      () =>
        fuzzer.fuzzEndpoint({
          label: 'POST /admin/setup',
          freshAddress: true,
          method: 'POST',
          form: true,
          public: true,
          params: fc.constant(null),
          target: () => '/admin/setup',
          body: hostileForm(setupDto, ['token', 'email', 'name', 'password']),
          expectAlso: (answer) => expect(answer.status).toBeGreaterThanOrEqual(400),
        }),
      ENDPOINT_TIMEOUT_MS,
    );
  });
});
