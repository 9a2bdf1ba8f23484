import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import { ApiTokensService } from './api-tokens.service';
import type { Authentication, AuthenticatedRequest } from './authenticated-request';
import { IS_PUBLIC } from './public.decorator';
import { ROLES } from './roles.decorator';
import { SESSION_ONLY } from './session-only.decorator';
import { readSessionCookie } from './session-cookie';
import type { Session } from './session.entity';
import { SessionsService } from './sessions.service';
import type { UserRole } from './user.entity';

/** The methods that change nothing: no CSRF token needed. */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-csrf-token';
/** The hidden field HTML forms carry the CSRF token in. */
export const CSRF_FIELD = '_csrf';

/**
 * Every route needs a signed-in user unless marked @Public(): by an API token
 * (`Authorization: Bearer`) or by the session cookie, which for writes must come with the
 * session's CSRF token.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessionsService: SessionsService,
    private readonly apiTokensService: ApiTokensService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | 'identify-caller'>(
      IS_PUBLIC,
      targets,
    );
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (isPublic === 'identify-caller' && SAFE_METHODS.has(request.method)) {
      request.auth = (await this.authenticate(request)) ?? undefined;
      return true;
    }
    if (isPublic) return true;

    const auth = await this.authenticate(request);
    if (!auth)
      throw new UnauthorizedException('Sign in, or send an API token as Authorization: Bearer');
    if (!auth.session && this.reflector.getAllAndOverride<boolean>(SESSION_ONLY, targets)) {
      throw new ForbiddenException('These pages need a browser session; API tokens work on /api');
    }
    if (auth.session && !SAFE_METHODS.has(request.method)) {
      this.checkCsrf(request, auth.session);
    }
    const roles = this.reflector.getAllAndOverride<UserRole[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(auth.user.role)) {
      throw new ForbiddenException('Your role does not allow this');
    }
    request.auth = auth;
    return true;
  }

  private async authenticate(request: AuthenticatedRequest): Promise<Authentication | null> {
    const authorization = request.headers.authorization;
    if (authorization !== undefined) {
      const [scheme, secret] = authorization.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !secret) return null;
      const token = await this.apiTokensService.authenticate(secret);
      return token ? { user: token.user!, apiTokenId: token.id } : null;
    }
    const token = readSessionCookie(request);
    const session = token ? await this.sessionsService.resume(token) : null;
    return session?.user ? { user: session.user, session } : null;
  }

  private checkCsrf(request: AuthenticatedRequest, session: Session): void {
    const body = request.body as Record<string, unknown> | undefined;
    const given = request.headers[CSRF_HEADER] ?? body?.[CSRF_FIELD];
    const expected = Buffer.from(session.csrfToken);
    const valid =
      typeof given === 'string' &&
      Buffer.byteLength(given) === expected.length &&
      timingSafeEqual(Buffer.from(given), expected);
    if (!valid) {
      throw new ForbiddenException('Missing or invalid CSRF token (send it as X-CSRF-Token)');
    }
    // Checked: the form field is not part of what the route validates.
    if (body && CSRF_FIELD in body) delete body[CSRF_FIELD];
  }
}
