import { ArgumentsHost, NotFoundException } from '@nestjs/common';
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
  json?: unknown;
  page?: { view: string; data: Record<string, unknown> };
}

function answerTo(exception: unknown, request: { path: string; accepts?: string }): Answer {
  const answer: Answer = {};
  const response = {
    headersSent: false,
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
    method: 'GET',
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

  it('should answer an HttpException of the HTTP edge with its own status and message', () => {
    expect(answerTo(new NotFoundException('No such route'), { path: '/api/x' }).json).toEqual({
      statusCode: 404,
      message: 'No such route',
      error: 'Not Found',
    });
  });
});
