import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { RATE_LIMITS, type RateLimitName } from './rate-limits';
import { RateLimitGuard } from './rate-limit.guard';

/** The names a route's @RateLimit() gave, for the API docs' 429 answers. */
export const RATE_LIMIT_NAMES = 'liveblog:rate-limits';

/**
 * Applies the named limits (see rate-limits.ts) to a route or controller, and no others. Use
 * it on a controller or on its routes, not both: the guard would count twice.
 */
export function RateLimit(...names: RateLimitName[]): MethodDecorator & ClassDecorator {
  const skipped = RATE_LIMITS.map((name) => [name, !names.includes(name)] as const);
  return applyDecorators(
    UseGuards(RateLimitGuard),
    SkipThrottle(Object.fromEntries(skipped)),
    SetMetadata(RATE_LIMIT_NAMES, names),
  );
}
