import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';

/**
 * Refuses requests another site's page made the browser send (login CSRF: signing a victim
 * into the attacker's account). Browsers send `Sec-Fetch-Site`, older ones at least `Origin`;
 * a script without either is not a browser page and is let through.
 */
@Injectable()
export class SameOriginGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const fetchSite = request.headers['sec-fetch-site'];
    const origin = request.headers.origin;
    const crossSite =
      fetchSite === 'cross-site' ||
      (typeof origin === 'string' && origin !== 'null' && hostOf(origin) !== request.headers.host);
    if (crossSite || origin === 'null') {
      throw new ForbiddenException('This form may only be sent from this site');
    }
    return true;
  }
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}
