import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import {
  STORAGE_FAILURE_REASONS,
  type StorageFailure,
  storageFailureOf,
} from '../database/database-errors';
import { DomainError, type DomainErrorCode } from './domain-errors';

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
  [detail: string]: unknown;
}

/** Errors raised by Express middleware (body-parser) carry an HTTP status and a safe message. */
interface HttpError {
  status: number;
  expose?: boolean;
  type?: string;
  message: string;
}

const CLIENT_ERROR_MESSAGES: Record<string, string> = {
  'entity.too.large': 'The request body is too large',
  'encoding.unsupported': 'The request body has an unsupported encoding',
  'charset.unsupported': 'The request body has an unsupported charset',
};

/** The one place where what a service refuses becomes an HTTP status. */
const STATUS_OF_DOMAIN_ERROR: Record<DomainErrorCode, HttpStatus> = {
  'invalid-input': HttpStatus.BAD_REQUEST,
  'wrong-credentials': HttpStatus.UNAUTHORIZED,
  'sign-in-required': HttpStatus.UNAUTHORIZED,
  forbidden: HttpStatus.FORBIDDEN,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  'unsupported-media': HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  unavailable: HttpStatus.SERVICE_UNAVAILABLE,
};

const PAGE_HEADINGS: Record<number, string> = {
  403: 'Not allowed',
  404: 'Page not found',
  429: 'Too many attempts',
  500: 'Something went wrong',
  503: 'Try again in a moment',
};

/**
 * The `Retry-After` of a 503 when the storage fails, in seconds: freeing disk space or
 * restarting PostgreSQL takes tens of seconds, and clients retrying sooner would only add load
 * to a server that cannot take it. A retry that comes too early gets another 503.
 */
export const STORAGE_RETRY_AFTER_SECONDS = 30;

/** What a user is told when the storage refuses: what failed, and whether anything was kept. */
function storageFailureMessage(failure: StorageFailure, method: string): string {
  const reason = STORAGE_FAILURE_REASONS[failure];
  if (method === 'GET' || method === 'HEAD') {
    return `The server cannot read its data right now: ${reason}. Try again in a moment.`;
  }
  // A connection lost during a commit leaves unknown whether it committed: no promise then.
  const outcome = failure === 'unreachable' ? '' : '; nothing was saved';
  return `The server cannot save changes right now: ${reason}. Try again in a moment${outcome}.`;
}

/** The editors' pages: signed out, they lead to the sign-in form. */
function isAdminPage(request: Request): boolean {
  return request.path === '/admin' || request.path.startsWith('/admin/');
}

/** A browser opening a page (not the API, not a stream) gets an HTML error page. */
function wantsPage(request: Request): boolean {
  return !request.path.startsWith('/api/') && request.accepts(['json', 'html']) === 'html';
}

function isHttpError(error: unknown): error is HttpError {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * A service's refusal, Nest's HTTP edge or Express's client error: it carries its own answer,
 * whatever its message says. Only other errors (a driver's, Node's) may be a storage failure.
 */
function hasOwnAnswer(exception: unknown): boolean {
  return (
    exception instanceof DomainError || exception instanceof HttpException || isHttpError(exception)
  );
}

function messageOf(answer: object): string | string[] | undefined {
  const { message } = answer as { message?: unknown };
  return typeof message === 'string' || Array.isArray(message) ? (message as string[]) : undefined;
}

function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  return { statusCode, message, error: STATUS_CODES[statusCode] ?? 'Error' };
}

/**
 * Every error leaves as the contract's JSON `{statusCode, message, error}`, or as an error page
 * for a browser. A service's DomainError gets the status of its code; Nest's HttpExceptions
 * (guards, pipes, validation: the HTTP edge) and Express's client errors keep their status
 * and message; a storage that refuses (a full disk, PostgreSQL down: database-errors.ts) is
 * a 503 with `Retry-After` that says what failed; anything else is a bug: logged with its
 * stack and the request id, answered as a bare 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const request = host.switchToHttp().getRequest<Request & { id?: unknown }>();
    const response = host.switchToHttp().getResponse<Response>();
    const storageFailure = hasOwnAnswer(exception) ? null : storageFailureOf(exception);
    const body = storageFailure
      ? errorBody(
          HttpStatus.SERVICE_UNAVAILABLE,
          storageFailureMessage(storageFailure, request.method),
        )
      : this.toErrorBody(exception, request);
    // A stream that has started cannot change its status; the connection just ends.
    if (response.headersSent) {
      response.end();
      return;
    }
    if (storageFailure) response.setHeader('Retry-After', String(STORAGE_RETRY_AFTER_SECONDS));
    if (body.statusCode === 401 && request.method === 'GET' && isAdminPage(request)) {
      const next = encodeURIComponent(request.originalUrl);
      response.redirect(303, `/admin/login?next=${next}`);
      return;
    }
    response.status(body.statusCode);
    if (wantsPage(request)) {
      response.render('pages/error', {
        title: body.error,
        heading: PAGE_HEADINGS[body.statusCode] ?? body.error,
        // A 503 says why and when to come back; other server errors say nothing of the bug.
        message:
          body.statusCode >= 500 && body.statusCode !== 503
            ? 'Please try again in a moment.'
            : [body.message].flat().join(' '),
      });
    } else {
      response.json(body);
    }
  }

  private toErrorBody(exception: unknown, request: Request & { id?: unknown }): ErrorBody {
    if (exception instanceof DomainError) {
      const status = STATUS_OF_DOMAIN_ERROR[exception.code];
      // Details (a 409's current entry) come along; the contract's three fields keep theirs.
      return { ...exception.details, ...errorBody(status, exception.message) };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const answer = exception.getResponse();
      return typeof answer === 'string'
        ? errorBody(status, answer)
        : // Details (a failed health check) come along; the contract's three fields keep
          // their types.
          { ...answer, ...errorBody(status, messageOf(answer) ?? exception.message) };
    }
    if (isHttpError(exception)) {
      const message =
        CLIENT_ERROR_MESSAGES[exception.type ?? ''] ??
        (exception.expose ? exception.message : undefined);
      return errorBody(
        exception.status,
        message ?? STATUS_CODES[exception.status] ?? 'Bad request',
      );
    }
    this.logger.error(
      { err: exception, requestId: request.id, method: request.method, url: request.originalUrl },
      'Unhandled error',
    );
    return errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error');
  }
}
