import fc from 'fast-check';
import type { SessionCredentials } from './cookies';
import type { BodySpec } from './fuzz-inputs';

/*
 * Who sends a fuzzed request: its credentials, right or wrong, and what it accepts.
 */

export type AuthMode =
  | 'token'
  | 'session'
  | 'session-without-csrf'
  | 'session-wrong-csrf'
  | 'none'
  | 'unknown-token'
  | 'odd-authorization';

export interface AuthSpec {
  mode: AuthMode;
  /** The wrong token, CSRF token or Authorization value of the failing modes. */
  junk: string;
}

/** Credentials, mostly the right ones: an API token for the API, a session for the forms. */
export const authSpec = (main: 'token' | 'session'): fc.Arbitrary<AuthSpec> =>
  fc.record({
    mode: fc.oneof(
      { weight: 6, arbitrary: fc.constant<AuthMode>(main) },
      { weight: 1, arbitrary: fc.constant<AuthMode>(main === 'token' ? 'session' : 'token') },
      {
        weight: 3,
        arbitrary: fc.constantFrom<AuthMode>(
          'session-without-csrf',
          'session-wrong-csrf',
          'none',
          'unknown-token',
          'odd-authorization',
        ),
      },
    ),
    junk: fc.oneof(
      fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'bearer  x', 'Token abc', ''),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
    ),
  });

/** For sign-in: never the fuzzer's own session cookie, which a sign-in would replace. */
export const authWithoutSession: fc.Arbitrary<AuthSpec> = fc.record({
  mode: fc.constantFrom<AuthMode>('token', 'none', 'unknown-token', 'odd-authorization'),
  junk: fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
});

/** The modes that authenticate as someone allowed to write (tokens are the editor's). */
export const SIGNED_IN: ReadonlySet<AuthMode> = new Set(['token', 'session']);
/** The admin's pages take a browser session only (an API token there is a 403). */
export const SESSION: ReadonlySet<AuthMode> = new Set(['session']);

/** Can this body carry the `_csrf` field of a form? */
export function carriesFields(body: BodySpec): boolean {
  return (
    body.kind === 'form' ||
    body.kind === 'proto' ||
    (body.kind === 'json' &&
      typeof body.value === 'object' &&
      body.value !== null &&
      !Array.isArray(body.value))
  );
}

export const acceptHeader = fc.constantFrom(
  undefined,
  'application/json',
  'text/html',
  '*/*',
  'text/event-stream',
  'image/png',
  ',,;q=x',
);

/**
 * The headers (and the form's `_csrf` field) a request carries for `auth`: the fuzzer's API
 * token, or the session of the browser that sends it.
 */
export function credentialsFor(
  auth: AuthSpec,
  body: BodySpec,
  sender: { token: string; session: SessionCredentials; form: boolean },
): { headers: Record<string, string>; csrfField?: string } {
  const { token, session, form } = sender;
  switch (auth.mode) {
    case 'token':
      return { headers: { Authorization: `Bearer ${token}` } };
    case 'session':
      // A form carries its token as the hidden field, the admin's script as the header.
      return form && carriesFields(body)
        ? { headers: { Cookie: session.cookie }, csrfField: session.csrfToken }
        : { headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken } };
    case 'session-without-csrf':
      return { headers: { Cookie: session.cookie } };
    case 'session-wrong-csrf':
      return form && carriesFields(body)
        ? { headers: { Cookie: session.cookie }, csrfField: auth.junk }
        : { headers: { Cookie: session.cookie, 'X-CSRF-Token': auth.junk } };
    case 'none':
      return { headers: {} };
    case 'unknown-token':
      return { headers: { Authorization: `Bearer ${auth.junk || 'x'}` } };
    case 'odd-authorization':
      return { headers: { Authorization: auth.junk } };
  }
}
