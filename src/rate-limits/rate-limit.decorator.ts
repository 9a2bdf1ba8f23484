import { applyDecorators, UseGuards } from '@nestjs/common';
import { SkipThrottle } from '@nestjs/throttler';
import { RATE_LIMITS, type RateLimitName } from './rate-limits';
import { RateLimitGuard } from './rate-limit.guard';

/** Applies the named limits (see rate-limits.ts) to a route or controller, and no others. */
export function RateLimit(...names: RateLimitName[]): MethodDecorator & ClassDecorator {
  const others = RATE_LIMITS.filter((name) => !names.includes(name));
  return applyDecorators(
    UseGuards(RateLimitGuard),
    SkipThrottle(Object.fromEntries(others.map((name) => [name, true]))),
  );
}
