import { ArgumentsHost, NotFoundException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter } from './all-exceptions.filter';
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  WrongCredentialsError,
} from './domain-errors';

/** What the filter did to the response. */
interface Answer {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  page?: { view: string; data: Record<string, unknown> };
}

function answerTo(
  exception: unknown,
  request: { path: string; accepts?: string; method?: string },
): Answer {
  const answer: Answer = {};
  const response = {
    headersSent: false,
    setHeader(name: string, value: string) {
      answer.headers = { ...answer.headers, [name]: value };
    },
    status(code: number) {
      answer.status = code;
      return response;
    },
    json(body: unknown) {
      answer.json = body;
    },
    render(view: string, data: Record<string, unknown>) {
      answer.page = { view, data };
    },
  };
  const fullRequest = {
    method: request.method ?? 'GET',
    path: request.path,
    originalUrl: request.path,
    accepts: () => request.accepts ?? 'json',
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => fullRequest, getResponse: () => response }),
  } as unknown as ArgumentsHost;
  new AllExceptionsFilter().catch(exception, host);
  return answer;
}

describe(AllExceptionsFilter.name, () => {
  describe('a domain error', () => {
    it.each<[DomainError, number, string]>([
      [new InvalidInputError('Give at least one of body, pinned, keyEvent'), 400, 'Bad Request'],
      [new WrongCredentialsError('Wrong email or password'), 401, 'Unauthorized'],
      [new ForbiddenError('This setup link is invalid'), 403, 'Forbidden'],
      [new NotFoundError('No blog with the slug "x"'), 404, 'Not Found'],
      [new ConflictError('The slug "x" is already taken'), 409, 'Conflict'],
    ])('should answer %p with %i and the JSON of the contract', (error, statusCode, name) => {
      expect(answerTo(error, { path: '/api/blogs' })).toEqual({
        status: statusCode,
        json: { statusCode, message: error.message, error: name },
      });
    });

    it('should carry its details along, without letting them change the three fields', () => {
      const post = { id: 7, version: 3 };
      const error = new ConflictError('Entry 7 was changed meanwhile', {
        post,
        statusCode: 200,
        message: 'overridden',
      });
      expect(answerTo(error, { path: '/api/blogs/a/posts/7' }).json).toEqual({
        statusCode: 409,
        message: 'Entry 7 was changed meanwhile',
        error: 'Conflict',
        post,
      });
    });

    it('should be an error page with its message for a browser', () => {
      const error = new NotFoundError('No blog with the slug "x"');
      expect(answerTo(error, { path: '/blogs/x', accepts: 'html' })).toEqual({
        status: 404,
        page: {
          view: 'pages/error',
          data: { title: 'Not Found', heading: 'Page not found', message: error.message },
        },
      });
    });
  });

  describe('a storage that refuses', () => {
    const diskFull = new QueryFailedError(
      'COMMIT',
      [],
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
    );
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });

    it('should answer a write 503 with Retry-After, saying what is full and that nothing was saved', () => {
      expect(answerTo(diskFull, { path: '/api/blogs/a/posts', method: 'POST' })).toEqual({
        status: 503,
        headers: { 'Retry-After': '30' },
        json: {
          statusCode: 503,
          message:
            'The server cannot save changes right now: its disk is full. Try again in a moment; nothing was saved.',
          error: 'Service Unavailable',
        },
      });
    });

    it('should answer a read 503 when PostgreSQL cannot be reached', () => {
      expect(answerTo(refused, { path: '/api/blogs' })).toMatchObject({
        status: 503,
        headers: { 'Retry-After': '30' },
        json: {
          message:
            'The server cannot read its data right now: its database cannot be reached. Try again in a moment.',
        },
      });
    });

    it.each([
      ['a domain error', new NotFoundError('No blog with the slug "not queryable"')],
      ['an HttpException', new NotFoundException('Connection terminated unexpectedly')],
    ])('should not take %s whose message reads like one for it', (_what, error) => {
      // No Retry-After either: the answer is the error's own.
      expect(answerTo(error, { path: '/api/blogs/x' })).toEqual({
        status: 404,
        json: { statusCode: 404, message: error.message, error: 'Not Found' },
      });
    });

    it('should show a browser the reason on the error page', () => {
      expect(
        answerTo(diskFull, { path: '/admin/blogs/a/posts', method: 'POST', accepts: 'html' }).page,
      ).toEqual({
        view: 'pages/error',
        data: {
          title: 'Service Unavailable',
          heading: 'Try again in a moment',
          message:
            'The server cannot save changes right now: its disk is full. Try again in a moment; nothing was saved.',
        },
      });
    });
  });

  it('should answer an HttpException of the HTTP edge with its own status and message', () => {
    expect(answerTo(new NotFoundException('No such route'), { path: '/api/x' }).json).toEqual({
      statusCode: 404,
      message: 'No such route',
      error: 'Not Found',
    });
  });
});
