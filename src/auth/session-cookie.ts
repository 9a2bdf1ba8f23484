import type { CookieOptions, Request, Response } from 'express';
import { SESSION_MAX_AGE_MS } from './sessions.service';

export const SESSION_COOKIE = 'liveblog_session';

/** Signed with SESSION_SECRET: a cookie value the server did not give out is not looked up. */
function cookieOptions(request: Request): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: request.secure, path: '/', signed: true };
}

export function readSessionCookie(request: Request): string | undefined {
  const value = (request.signedCookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export function setSessionCookie(request: Request, response: Response, token: string): void {
  response.cookie(SESSION_COOKIE, token, { ...cookieOptions(request), maxAge: SESSION_MAX_AGE_MS });
}

export function clearSessionCookie(request: Request, response: Response): void {
  response.clearCookie(SESSION_COOKIE, cookieOptions(request));
}
