import type { CookieOptions, NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';

/**
 * The reader pages' cookie: a random id, nothing personal, so a reader's views of an entry
 * count once. HttpOnly, a year long; first-party on the reader pages.
 */
export const READER_COOKIE = 'liveblog_reader';
export const READER_ID = /^[\w-]{22}$/;
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function readReaderId(request: Request): string | undefined {
  const value = (request.cookies as Record<string, unknown> | undefined)?.[READER_COOKIE];
  return isReaderId(value) ? value : undefined;
}

/** Whether a reader id, from the cookie or sent by the embed page's script, is well formed. */
export function isReaderId(value: unknown): value is string {
  return typeof value === 'string' && READER_ID.test(value);
}

/** Gives a reader page's visitor a reader id when they have none yet. */
export function readerCookie(request: Request, response: Response, next: NextFunction): void {
  giveReaderId(request, response, { sameSite: 'lax', secure: request.secure });
  next();
}

/**
 * The same for the embed page, framed by another site: there a cookie reaches us only as
 * `SameSite=None`, which needs HTTPS, and partitioned (CHIPS), so it is kept per embedding
 * site, where the browser keeps third-party cookies at all. Without one, the page's script
 * sends an id of its own with each report (see ViewsController).
 */
export function framedReaderCookie(request: Request, response: Response, next: NextFunction): void {
  giveReaderId(
    request,
    response,
    request.secure ? { sameSite: 'none', secure: true, partitioned: true } : { sameSite: 'lax' },
  );
  next();
}

function giveReaderId(request: Request, response: Response, attributes: CookieOptions): void {
  if (readReaderId(request)) return;
  const readerId = randomBytes(16).toString('base64url');
  response.cookie(READER_COOKIE, readerId, {
    ...attributes,
    httpOnly: true,
    path: '/',
    maxAge: YEAR_MS,
  });
  (request.cookies as Record<string, string>)[READER_COOKIE] = readerId;
}
