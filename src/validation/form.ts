import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';

export type FieldErrors = Record<string, string>;

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
