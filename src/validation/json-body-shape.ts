import { BadRequestException } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** No request body of the contract nests deeper than 3; 32 leaves room and stops abuse. */
export const MAX_BODY_DEPTH = 32;
/** Keys that could reach an object's prototype when a body is copied. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Refuses a parsed JSON body that nests too deeply (copying it would overflow the stack) or
 * carries prototype keys, with a 400 saying which. Walks without recursion.
 */
export function checkJsonBodyShape(request: Request, _response: Response, next: NextFunction) {
  const pending: Array<{ value: unknown; depth: number }> = [{ value: request.body, depth: 0 }];
  while (pending.length > 0) {
    const { value, depth } = pending.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_BODY_DEPTH) {
      return next(
        new BadRequestException(`The request body nests deeper than ${MAX_BODY_DEPTH} levels`),
      );
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) {
        return next(new BadRequestException(`The request body may not hold the key ${key}`));
      }
      pending.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1 });
    }
  }
  next();
}
