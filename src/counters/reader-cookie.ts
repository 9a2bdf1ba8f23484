import type { NextFunction, Request, Response } from 'express';
import { randomBytes } from 'node:crypto';

/**
 * The reader pages' cookie: a random id, nothing personal, so a reader's views of an entry
 * count once. First-party and HttpOnly; a year long.
 */
export const READER_COOKIE = 'liveblog_reader';
const READER_ID = /^[\w-]{22}$/;
const YEAR_MS = 365 * 24 * 60 * 60 * 1000;

export function readReaderId(request: Request): string | undefined {
  const value = (request.cookies as Record<string, unknown> | undefined)?.[READER_COOKIE];
  return typeof value === 'string' && READER_ID.test(value) ? value : undefined;
}

/** Gives a reader page's visitor a reader id when they have none yet. */
export function readerCookie(request: Request, response: Response, next: NextFunction): void {
  if (!readReaderId(request)) {
    const readerId = randomBytes(16).toString('base64url');
    response.cookie(READER_COOKIE, readerId, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: '/',
      maxAge: YEAR_MS,
    });
    (request.cookies as Record<string, string>)[READER_COOKIE] = readerId;
  }
  next();
}
