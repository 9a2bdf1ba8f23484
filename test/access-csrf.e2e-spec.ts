import { AccessWorld, contentSnapshot, randomSecret, Role } from './support/access-world';
import { isApi, Route, routeKey, ROUTES } from './support/access-routes';
import { expectOutcome, requestAs } from './support/access-rule';
import { RawAnswer, sendRaw } from './support/raw-http';
import { countChecks } from './support/role-boundary-report';

/*
 * The CSRF token of every cookie-authenticated write: refused when missing, empty, forged or
 * another user's, taken when it is the session's own; API tokens need none.
 */

const checking = countChecks('csrfCases');

describe('Access control', () => {
  describe('CSRF: every write a session cookie authenticates', () => {
    const world = new AccessWorld();
    const writes = ROUTES.filter((route) => route.method !== 'GET' && route.access !== 'public');

    beforeAll(() => world.open());
    afterAll(() => world.close());

    /** A refusal for the CSRF token, in the API's JSON or on the admin's error page. */
    function expectCsrfRefusal(route: Route, got: RawAnswer, attempt: string): void {
      expect({ attempt, status: got.status }).toEqual({ attempt, status: 403 });
      if (isApi(route)) {
        expect(got.json).toEqual({
          statusCode: 403,
          error: 'Forbidden',
          message: expect.stringMatching(/CSRF/),
        });
      } else {
        expect(got.text).toMatch(/CSRF/);
      }
    }

    describe.each(writes.map((route) => [routeKey(route.method, route.path), route] as const))(
      '%s',
      (_name, route) => {
        const role: Role = route.access === 'admin' ? 'admin' : 'editor';
        const other: Role = role === 'admin' ? 'editor' : 'admin';

        it("should refuse no token, an empty, a forged and another user's token, then take the session's own", async () => {
          await world.makeRoomForSignIns(
            () =>
              Number(!world.hasSession(role)) +
              Number(!world.hasSession(other)) +
              (route.signIns ?? 0),
          );
          const own = await world.session(role);
          const othersToken = (await world.session(other)).csrfToken;
          const credentials = { ...own, user: world.entities[role] };
          const spec = await route.request(world, credentials.user);
          const before = await contentSnapshot(world.testApp);

          const refused: Array<[string, string | null]> = [
            ['no token', null],
            ['an empty token', ''],
            ['a forged token', randomSecret()],
            ["another user's token", othersToken],
          ];
          for (const [attempt, token] of refused) {
            const pass = checking();
            const got = await sendRaw(world.url, requestAs(route, spec, credentials, token));
            expectCsrfRefusal(route, got, attempt);
            pass();
          }
          expect(await contentSnapshot(world.testApp)).toEqual(before);
          const me = await sendRaw(world.url, {
            method: 'GET',
            target: '/api/auth/me',
            headers: { Cookie: own.cookie },
          });
          expect(me.status).toBe(200);

          // The same request again, now with the right token: nothing of the refused ones
          // happened before it (a deleted entry would now be a 404).
          for (let i = 0; i < (route.signIns ?? 0); i++) world.spendSignIn();
          const pass = checking();
          const got = await sendRaw(world.url, requestAs(route, spec, credentials));
          if (route.endsSession) world.forgetSession(role);
          expectOutcome(route, spec, { kind: 'allowed', ...route.allowed }, got);
          pass();
        });

        if (isApi(route)) {
          it('should take an API token without any CSRF token', async () => {
            const pass = checking();
            const credentials = { bearer: world.apiTokens[role], user: world.entities[role] };
            const spec = await route.request(world, credentials.user);
            const got = await sendRaw(world.url, requestAs(route, spec, credentials));
            expectOutcome(route, spec, { kind: 'allowed', ...route.allowed }, got);
            pass();
          });
        }
      },
    );
  });
});
