import type { IncomingHttpHeaders } from 'node:http';

export const SESSION_COOKIE = 'liveblog_session';
export const READER_COOKIE = 'liveblog_reader';

/** A browser's sign-in: its session cookie and the session's CSRF token. */
export interface SessionCredentials {
  /** `liveblog_session=...` exactly as the server set it. */
  cookie: string;
  csrfToken: string;
}

/** An answer of any client: node:http, raw-http or supertest. */
interface Answer {
  headers: IncomingHttpHeaders;
}

/** A Set-Cookie that tells the browser to drop the cookie. */
export const isClearing = (setCookie: string) =>
  /;\s*(expires=thu, 01 jan 1970|max-age=0\b)/i.test(setCookie);

function setCookies(answer: Answer): string[] {
  return [answer.headers['set-cookie'] ?? []].flat();
}

/** The `name=value` of the session cookie an answer sets (not one it clears), if any. */
export function sessionCookieSet(answer: Answer): string | undefined {
  const cookie = setCookies(answer).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return cookie && !isClearing(cookie) ? cookie.split(';')[0] : undefined;
}

/** The `liveblog_session=<value>` pair an answer sets, as a browser sends it back. */
export function sessionCookieOf(answer: Answer): string {
  const cookies = setCookies(answer);
  const cookie = cookies.find((value) => value.startsWith(`${SESSION_COOKIE}=`));
  if (!cookie) throw new Error(`no session cookie in ${JSON.stringify(cookies)}`);
  return cookie.split(';')[0];
}

/** The `liveblog_reader=<id>` pair a reader page sets. */
export function readerCookieOf(answer: Answer): string {
  const cookie = setCookies(answer).find((value) => value.startsWith(`${READER_COOKIE}=`));
  if (!cookie) throw new Error('no reader cookie');
  return cookie.split(';')[0];
}
