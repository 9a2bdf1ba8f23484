import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * GET /metrics only for a scraper sending `Authorization: Bearer <METRICS_TOKEN>` (else 401).
 * No session grants it: metrics are for Prometheus, not for signed-in editors.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = digest(config.METRICS_TOKEN ?? '');
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    const [scheme, token] = (request.headers.authorization ?? '').split(' ');
    // Digests compared, not the tokens: equal lengths, and the time tells nothing of the token.
    if (
      scheme?.toLowerCase() === 'bearer' &&
      token &&
      timingSafeEqual(digest(token), this.expected)
    ) {
      return true;
    }
    context
      .switchToHttp()
      .getResponse<Response>()
      .setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
    throw new UnauthorizedException('Metrics need Authorization: Bearer <METRICS_TOKEN>');
  }
}
