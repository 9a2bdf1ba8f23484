import { AccessWorld, BROWSER_ACCEPT, Credentials, randomSecret, Role } from './access-world';
import { isAdminUi, isApi, Route, RouteRequest } from './access-routes';
import { SESSION_COOKIE, sessionCookieSet } from './cookies';
import type { RawAnswer, RawRequest } from './raw-http';

/*
 * The callers of the access specs, and the rule of what each must get from each route.
 */

export interface Caller {
  name: string;
  /** Who the server must take the caller for: nobody, or a user signed in one way. */
  as: { role: Role; by: 'session' | 'token' } | null;
  /** Sign-ins `credentials` would make now. */
  signInsNeeded(world: AccessWorld): number;
  credentials(world: AccessWorld): Promise<Credentials>;
}

const sessionCaller = (role: Role): Caller => ({
  name: `${role} session`,
  as: { role, by: 'session' },
  signInsNeeded: (world) => (world.hasSession(role) ? 0 : 1),
  credentials: async (world) => ({ ...(await world.session(role)), user: world.entities[role] }),
});

const tokenCaller = (role: Role): Caller => ({
  name: `${role} API token`,
  as: { role, by: 'token' },
  signInsNeeded: () => 0,
  credentials: (world) =>
    Promise.resolve({ bearer: world.apiTokens[role], user: world.entities[role] }),
});

export const CALLERS: Caller[] = [
  {
    name: 'anonymous',
    as: null,
    signInsNeeded: () => 0,
    credentials: () => Promise.resolve({}),
  },
  sessionCaller('contributor'),
  sessionCaller('editor'),
  sessionCaller('admin'),
  tokenCaller('contributor'),
  tokenCaller('editor'),
  tokenCaller('admin'),
  {
    name: "removed admin's old session",
    as: null,
    signInsNeeded: (world) => (world.hasRemovedAdmin() ? 0 : 1),
    credentials: async (world) => {
      const { cookie, csrfToken } = await world.removedAdmin();
      return { cookie, csrfToken };
    },
  },
  {
    name: "removed admin's old API token",
    as: null,
    signInsNeeded: (world) => (world.hasRemovedAdmin() ? 0 : 1),
    credentials: async (world) => ({ bearer: (await world.removedAdmin()).bearer }),
  },
  {
    name: 'expired session cookie',
    as: null,
    signInsNeeded: (world) => (world.hasExpiredSession() ? 0 : 1),
    credentials: async (world) => {
      const { cookie, csrfToken } = await world.expiredSession();
      return { cookie, csrfToken };
    },
  },
  {
    name: 'forged session cookie',
    as: null,
    signInsNeeded: () => 0,
    credentials: () =>
      Promise.resolve({ cookie: `${SESSION_COOKIE}=${randomSecret()}`, csrfToken: randomSecret() }),
  },
  {
    name: 'garbage bearer token',
    as: null,
    signInsNeeded: () => 0,
    credentials: () => Promise.resolve({ bearer: `lbt_${randomSecret()}` }),
  },
];

export type Outcome =
  | { kind: 'allowed'; status: number; location?: string }
  | { kind: 'not signed in' }
  | { kind: 'sign in first' }
  | { kind: 'wrong role' }
  | { kind: 'session only' };

/**
 * The rule. Public routes answer everyone alike. Otherwise someone must be signed in: the
 * API answers 401, the admin pages send a browser to the sign-in form. The admin UI is for
 * people, signed in with a session: an API token (made for scripts) does not open it
 * (admin-page.ts: "Admin pages are only reached with a session"). Users pages are for admins;
 * running blogs and changing others' entries for editors and admins (a contributor's own
 * drafts: drafts.e2e-spec.ts).
 */
export function outcomeFor(route: Route, caller: Caller): Outcome {
  if (route.access === 'public') return { kind: 'allowed', ...route.allowed };
  if (!caller.as)
    return isAdminUi(route) && route.method === 'GET'
      ? { kind: 'sign in first' }
      : { kind: 'not signed in' };
  if (isAdminUi(route) && caller.as.by === 'token') return { kind: 'session only' };
  if (route.access === 'admin' && caller.as.role !== 'admin') return { kind: 'wrong role' };
  if (route.access === 'editor' && caller.as.role === 'contributor') return { kind: 'wrong role' };
  return { kind: 'allowed', ...route.allowed };
}

export function describeOutcome(outcome: Outcome): string {
  switch (outcome.kind) {
    case 'allowed':
      return `${outcome.status}`;
    case 'not signed in':
      return '401';
    case 'sign in first':
      return '303 to the sign-in form';
    case 'wrong role':
      return '403 (role)';
    case 'session only':
      return '403 (admin UI needs a session)';
  }
}

/**
 * The request a caller sends: its cookie or token, and on writes a CSRF token: by default
 * the caller's own, if it has one; `null` for none.
 */
export function requestAs(
  route: Route,
  spec: RouteRequest,
  credentials: Credentials,
  csrfToken: string | null = credentials.csrfToken ?? null,
): RawRequest {
  const headers: Record<string, string> = {
    Accept: spec.accept ?? (isAdminUi(route) ? BROWSER_ACCEPT : 'application/json'),
  };
  const cookies = [...(spec.cookies ?? []), ...(credentials.cookie ? [credentials.cookie] : [])];
  if (cookies.length > 0) headers.Cookie = cookies.join('; ');
  if (credentials.bearer) headers.Authorization = `Bearer ${credentials.bearer}`;
  let form = spec.form;
  if (route.method !== 'GET' && csrfToken !== null) {
    // HTML forms carry the token as a hidden field, scripts as a header.
    if (form) form = { ...form, _csrf: csrfToken };
    else headers['X-CSRF-Token'] = csrfToken;
  }
  if (spec.body) headers['Content-Type'] = spec.body.contentType;
  return {
    method: route.method,
    target: spec.path,
    headers,
    json: spec.json,
    form,
    body: spec.body?.bytes,
  };
}

export function expectOutcome(
  route: Route,
  spec: RouteRequest,
  outcome: Outcome,
  got: RawAnswer,
): void {
  const seen = { status: got.status, location: got.headers.location };
  switch (outcome.kind) {
    case 'allowed':
      expect(seen).toEqual({
        status: outcome.status,
        location: outcome.location ?? (got.status === 303 ? expect.any(String) : undefined),
      });
      return;
    case 'sign in first':
      expect(seen).toEqual({
        status: 303,
        location: `/admin/login?next=${encodeURIComponent(spec.path)}`,
      });
      return;
    case 'not signed in':
      expect(seen).toEqual({ status: 401, location: undefined });
      if (isApi(route)) {
        expect(got.json).toEqual({
          statusCode: 401,
          error: 'Unauthorized',
          message: expect.any(String),
        });
      }
      expect(sessionCookieSet(got)).toBeUndefined();
      return;
    case 'wrong role':
    case 'session only':
      expect(seen).toEqual({ status: 403, location: undefined });
      // Refused for who the caller is, not for a missing CSRF token.
      expect(got.text).not.toMatch(/CSRF/i);
      if (isApi(route)) expect(got.json).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      else expect(got.text).toContain('Not allowed');
      return;
  }
}
