import type { ExecutionContext } from '@nestjs/common';
import type { ThrottlerModuleOptions } from '@nestjs/throttler';
import type { Request } from 'express';
import type { AppConfig } from '../config/app-config';
import type { RedisConnection } from '../redis/redis-connection';
import { normalizeEmail } from '../validation/text.decorators';
import { GrowingBlockStorage } from './growing-block.storage';
import { RedisThrottlerStorage } from './redis-throttler.storage';

export const RATE_LIMITS = ['sign-in', 'sign-in-account', 'views', 'writes'] as const;
export type RateLimitName = (typeof RATE_LIMITS)[number];

/** The limits whose blocks grow. */
const GROWING_LIMITS: RateLimitName[] = ['sign-in', 'sign-in-account'];

const MINUTE = 60_000;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The key of the credential a signed-in request came with (one browser session, one API
 * token), undefined when there is none. Given by whoever signs requests in, so that limits
 * need not know how.
 */
export type CredentialOf = (request: Request) => string | undefined;

/** The account a sign-in (or setup) form names; requests naming none count by address. */
function accountOf(request: Request): string {
  const email = (request.body as Record<string, unknown> | undefined)?.email;
  return typeof email === 'string' ? `account:${normalizeEmail(email)}` : `address:${request.ip}`;
}

/** Whether a limit counts requests of this method: the writes limit counts no reads. */
export function limitCounts(name: RateLimitName, method: string): boolean {
  return name !== 'writes' || !SAFE_METHODS.has(method);
}

function skipsWritesLimit(context: ExecutionContext): boolean {
  return !limitCounts('writes', context.switchToHttp().getRequest<Request>().method);
}

/**
 * Every limit, per minute unless said. Sign-in: 10 attempts per address and 10 per account in
 * 15 minutes; going over blocks for 1 (address) or 15 (account) minutes, doubling with each
 * block that follows within a day, up to an hour. Enough for a newsroom behind one address and
 * for typos; a password guesser gets a few dozen tries a day. Views and writes: see README.
 * Counted in this process, or in Redis when given, where every process shares them.
 */
export function rateLimitOptions(
  config: AppConfig,
  credentialOf: CredentialOf,
  redis?: RedisConnection,
): ThrottlerModuleOptions {
  // One count per credential a write comes with; a request with none counts by address.
  const writerOf = (request: Request) => credentialOf(request) ?? `address:${request.ip}`;
  return {
    storage: redis
      ? new RedisThrottlerStorage(redis, GROWING_LIMITS)
      : new GrowingBlockStorage(GROWING_LIMITS),
    // RateLimitGuard sends Retry-After itself; no X-RateLimit-* headers on every answer.
    setHeaders: false,
    throttlers: [
      { name: 'sign-in', ttl: MINUTE, limit: 10, blockDuration: MINUTE },
      {
        name: 'sign-in-account',
        ttl: 15 * MINUTE,
        limit: 10,
        blockDuration: 15 * MINUTE,
        getTracker: (request) => accountOf(request as Request),
      },
      // Readers behind one stadium Wi-Fi share an address: the default is generous.
      { name: 'views', ttl: MINUTE, limit: config.VIEWS_RATE_LIMIT },
      {
        name: 'writes',
        ttl: MINUTE,
        limit: config.API_WRITE_RATE_LIMIT,
        skipIf: skipsWritesLimit,
        getTracker: (request) => writerOf(request as Request),
      },
    ],
  };
}
