import type { IncomingHttpHeaders } from 'node:http';

/** The start of every 429's JSON body; each limit adds its own message. */
export const TOO_MANY = { statusCode: 429, error: 'Too Many Requests' };

/** Retry-After as the contract wants it: a plain header, a whole number of seconds. */
export function retryAfterOf(response: { headers: IncomingHttpHeaders }): number {
  const value = response.headers['retry-after'];
  expect(value).toMatch(/^\d+$/);
  expect(Object.keys(response.headers).filter((name) => name.startsWith('retry-after-'))).toEqual(
    [],
  );
  return Number(value);
}
