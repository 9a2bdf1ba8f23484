import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { ErrorResponse } from '../errors/error.response';

/** The error statuses of the API (docs/api.md#errors) that a route may declare. */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 503;

/**
 * A route's own error answers for the API docs, each with when it is given; all are
 * `{statusCode, message, error}`. Those of the guards (401, 403 for a CSRF token, a role or
 * another site's page, 429) and of the JSON body parser (413) come from the route's metadata
 * when the document is built (route-access.ts), so they are never declared here.
 */
export function ApiErrors(errors: Partial<Record<ErrorStatus, string>>) {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({
        status: Number(status),
        description,
        type: ErrorResponse,
        example: errorExample(Number(status), description),
      }),
    ),
  );
}

/** An error answer as the docs show it: its own status, and the case as the message. */
export function errorExample(status: number, description: string): ErrorResponse {
  return { statusCode: status, message: description, error: STATUS_CODES[status] ?? 'Error' };
}
