import type { Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';
import { getSchemaPath } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SecurityRequirementObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { SAFE_METHODS } from '../auth/auth.guard';
import { IS_PUBLIC } from '../auth/public.decorator';
import { ROLES } from '../auth/roles.decorator';
import { SameOriginGuard } from '../auth/same-origin.guard';
import { SESSION_ONLY } from '../auth/session-only.decorator';
import type { UserRole } from '../auth/user.entity';
import { ErrorResponse } from '../errors/error.response';
import { errorExample } from './api-errors.decorator';
import { RATE_LIMIT_NAMES } from '../rate-limits/rate-limit.decorator';
import { limitCounts, type RateLimitName } from '../rate-limits/rate-limits';

/** The security schemes of the document (DocumentBuilder in api-docs.service.ts). */
export const SESSION_SCHEME = 'session';
export const CSRF_SCHEME = 'csrf';
export const BEARER_SCHEME = 'bearer';

/** Who may call a route, read from the metadata that AuthGuard and the other guards act on. */
export interface RouteAccess {
  /** `identify-caller`: anyone, and a signed-in caller is recognized (and may see more). */
  public: boolean | 'identify-caller';
  sessionOnly: boolean;
  roles: readonly UserRole[] | undefined;
  sameOrigin: boolean;
  limits: readonly RateLimitName[];
}

const LIMITS: Record<RateLimitName, string> = {
  'sign-in': '10 sign-in attempts a minute per client address',
  'sign-in-account': '10 per account in 15 minutes, blocks growing up to an hour',
  views: 'VIEWS_RATE_LIMIT view reports a minute per client address',
  writes: 'API_WRITE_RATE_LIMIT writes a minute per session or API token',
};

export function accessOf(reflector: Reflector, controller: Type, handler: object): RouteAccess {
  const targets = [handler, controller] as Array<Type | (() => unknown)>;
  const guards = reflector.getAllAndMerge<unknown[]>(GUARDS_METADATA, targets);
  return {
    public: reflector.getAllAndOverride<boolean | 'identify-caller'>(IS_PUBLIC, targets) ?? false,
    sessionOnly: reflector.getAllAndOverride<boolean>(SESSION_ONLY, targets) ?? false,
    roles: reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets),
    sameOrigin: guards.includes(SameOriginGuard),
    limits:
      reflector.getAllAndOverride<RateLimitName[] | undefined>(RATE_LIMIT_NAMES, targets) ?? [],
  };
}

/**
 * Says in an operation who may call it (`security`) and what its guards answer otherwise,
 * as AuthGuard decides: a public route needs nothing (on a safe method, a signed-in caller is
 * still recognized); any other needs a session or an API token, and with a session a write
 * needs the CSRF token too.
 */
export function describeAccess(
  operation: OperationObject,
  method: string,
  access: RouteAccess,
): void {
  const verb = method.toUpperCase();
  const write = !SAFE_METHODS.has(verb);
  const session: SecurityRequirementObject = write
    ? { [SESSION_SCHEME]: [], [CSRF_SCHEME]: [] }
    : { [SESSION_SCHEME]: [] };
  const signedIn = access.sessionOnly ? [session] : [session, { [BEARER_SCHEME]: [] }];
  const errors: Array<[number, string]> = [];
  // AuthGuard recognizes callers of an identify-caller route only on safe methods.
  if (access.public === true || (access.public === 'identify-caller' && write)) {
    operation.security = [];
  } else if (access.public === 'identify-caller') {
    // `{}`: no credentials is fine too.
    operation.security = [{}, ...signedIn];
  } else {
    operation.security = signedIn;
    errors.push([401, 'Not signed in: no session, or an unknown or malformed API token.']);
    if (write) errors.push([403, 'A session without its CSRF token in `X-CSRF-Token`.']);
    if (access.sessionOnly) errors.push([403, 'An API token: this needs a browser session.']);
    if (access.roles) errors.push([403, `Only for ${access.roles.join(' and ')} users.`]);
  }
  if (access.sameOrigin) errors.push([403, "Sent from another site's page."]);
  const limits = access.limits.filter((name) => limitCounts(name, verb));
  if (limits.length > 0) {
    const over = limits.map((name) => LIMITS[name]).join('; ');
    errors.push([
      429,
      `Over a limit (${over}); \`Retry-After\` says in how many seconds to retry.`,
    ]);
  }
  if (operation.requestBody && 'content' in operation.requestBody) {
    if ('application/json' in operation.requestBody.content) {
      // BODY_LIMIT of http-app.ts, which imports this module's module.
      errors.push([413, 'The request body is over 1 MB.']);
    }
  }
  for (const [status, description] of errors) addError(operation, status, description);
  operation.responses = Object.fromEntries(
    Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Adds an error answer, or a case to the one the route declared with that status. */
function addError(operation: OperationObject, status: number, description: string): void {
  const declared = operation.responses[status] as ResponseObject | undefined;
  if (declared) {
    declared.description = `${declared.description} ${description}`;
    return;
  }
  operation.responses[status] = {
    description,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponse) },
        example: errorExample(status, description),
      },
    },
  };
}
