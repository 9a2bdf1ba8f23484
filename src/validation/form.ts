import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import type { Request } from 'express';

export type FieldErrors = Record<string, string>;

/**
 * The fields an HTML form posted. Express 5 leaves the body undefined when no parser read it
 * (no body, or another content type than a form or JSON): that is a form without fields, a
 * 400 of the form's own, not a TypeError.
 */
export const FormBody = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Record<string, unknown> => {
    const body: unknown = context.switchToHttp().getRequest<Request>().body;
    return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  },
);

/**
 * An HTML form's fields checked against a DTO class: the value, and the first error of each
 * field, for pages that show errors next to the fields instead of answering JSON.
 */
export async function readForm<T extends object>(
  dto: ClassConstructor<T>,
  body: unknown,
  fields: ReadonlyArray<keyof T & string>,
): Promise<{ value: T; errors: FieldErrors }> {
  const given = (body ?? {}) as Record<string, unknown>;
  const value = plainToInstance(
    dto,
    Object.fromEntries(fields.map((field) => [field, given[field]])),
  );
  const errors: FieldErrors = {};
  for (const error of await validate(value)) {
    errors[error.property] =
      Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`;
  }
  return { value, errors };
}
