import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { MetricsService } from '../metrics/metrics.service';

const WAIT_MESSAGES: Record<string, string> = {
  'sign-in': 'Too many sign-in attempts',
  'sign-in-account': 'Too many sign-in attempts',
  views: 'Too many view reports',
  writes: 'Too many changes',
};

/**
 * ThrottlerGuard as the contract wants it: a 429 with a plain `Retry-After` (the library
 * names it after the limit), the client's address as Express sees it (TRUST_PROXY), and one
 * count per client across routes (not per route), so the API and the form share a limit.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: MetricsService,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    return Promise.resolve(`address:${(request as unknown as Request).ip}`);
  }

  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
  }

  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader('Retry-After', String(detail.timeToBlockExpire));
    const name = detail.key.slice(0, detail.key.indexOf(':'));
    this.metrics.rateLimitRefusals.inc({ limit: name });
    const minutes = Math.ceil(detail.timeToBlockExpire / 60);
    const wait = minutes > 1 ? `${minutes} minutes` : `${detail.timeToBlockExpire} seconds`;
    throw new ThrottlerException(
      `${WAIT_MESSAGES[name] ?? 'Too many requests'}; try again in ${wait}`,
    );
  }
}
