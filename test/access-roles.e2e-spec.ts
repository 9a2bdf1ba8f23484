import { AccessWorld, contentSnapshot } from './support/access-world';
import { routeKey, ROUTES, servedRoutes } from './support/access-routes';
import {
  CALLERS,
  describeOutcome,
  expectOutcome,
  outcomeFor,
  requestAs,
} from './support/access-rule';
import { sendRaw } from './support/raw-http';
import { countChecks } from './support/role-boundary-report';

/*
 * Who may do what, route by route: every route of the API, the reader pages and the admin UI
 * against every kind of caller. Real app, real SQLite file, real HTTP (node:http, so cookies,
 * redirects and streams are seen exactly as sent).
 */

const checking = countChecks('roleBoundaries', {
  routes: ROUTES.length,
  callers: CALLERS.length,
  cells: ROUTES.length * CALLERS.length,
});

describe('Access control', () => {
  describe('role boundaries: every route × every caller', () => {
    const world = new AccessWorld();

    beforeAll(() => world.open());
    afterAll(() => world.close());

    it('should have every route the app serves in the table, and no other', () => {
      const served = servedRoutes(world.testApp);
      const table = ROUTES.map((route) => routeKey(route.method, route.path)).sort();
      expect({
        missingFromTable: served.filter((route) => !table.includes(route)),
        notServed: table.filter((route) => !served.includes(route)),
      }).toEqual({ missingFromTable: [], notServed: [] });
      expect(new Set(table).size).toBe(table.length);
    });

    describe.each(ROUTES.map((route) => [routeKey(route.method, route.path), route] as const))(
      '%s',
      (_name, route) => {
        it.each(
          CALLERS.map(
            (caller) => [caller.name, describeOutcome(outcomeFor(route, caller)), caller] as const,
          ),
        )('%s: %s', async (_caller, _outcome, caller) => {
          const pass = checking();
          await world.makeRoomForSignIns(() => caller.signInsNeeded(world) + (route.signIns ?? 0));
          const credentials = await caller.credentials(world);
          const spec = await route.request(world, credentials.user);
          const outcome = outcomeFor(route, caller);
          const before =
            outcome.kind === 'allowed' ? undefined : await contentSnapshot(world.testApp);
          for (let i = 0; i < (route.signIns ?? 0); i++) world.spendSignIn();

          const got = await sendRaw(world.url, requestAs(route, spec, credentials));
          if (route.endsSession && caller.as?.by === 'session') world.forgetSession(caller.as.role);

          expectOutcome(route, spec, outcome, got);
          // A refused request changes nothing.
          if (before) expect(await contentSnapshot(world.testApp)).toEqual(before);
          pass();
        });
      },
    );
  });
});
