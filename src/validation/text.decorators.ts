import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  isEmail,
  IsInt,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';

/*
 * Each rule here also says itself in the API docs (ApiProperty: type, lengths, whether it may
 * be left out), so the OpenAPI document cannot promise other input than validation takes.
 */

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_BLANK = /\S/;
const ONE_LINE = /^[^\r\n\u2028\u2029]*$/;
const MOMENT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * A field that may be left out. Unlike class-validator's IsOptional, null is not "left out":
 * it must pass the field's rules like any value, so `{"title": null}` is a 400.
 */
export const Optional = () =>
  applyDecorators(
    ValidateIf((_object, value) => value !== undefined),
    ApiProperty({ required: false }),
  );

/** Text that can be stored as given: no lone UTF-16 surrogate (it would come back as U+FFFD). */
function WellFormed() {
  return ValidateBy({
    name: 'isWellFormed',
    validator: {
      validate: (value: unknown) => typeof value !== 'string' || !LONE_SURROGATE.test(value),
      defaultMessage: () => '$property holds an invalid character (a lone UTF-16 surrogate)',
    },
  });
}

/** A required string, trimmed, not blank, at most `maxLength` characters. */
export function RequiredText(maxLength: number) {
  return applyDecorators(
    Transform(trim),
    IsString(),
    WellFormed(),
    Matches(NOT_BLANK, { message: '$property must not be empty' }),
    MaxLength(maxLength),
    ApiProperty({ type: 'string', minLength: 1, maxLength }),
  );
}

/** An optional string, trimmed, at most `maxLength` characters (may be empty). */
export function OptionalText(maxLength: number) {
  return applyDecorators(
    Optional(),
    Transform(trim),
    IsString(),
    WellFormed(),
    MaxLength(maxLength),
    ApiProperty({ type: 'string', maxLength }),
  );
}

/** An optional one-line text, trimmed, at most `maxLength` characters; empty means none. */
export function TitleText(maxLength: number) {
  return applyDecorators(
    OptionalText(maxLength),
    Matches(ONE_LINE, { message: '$property must be one line' }),
  );
}

/** The id of a user, or null for none: the one optional field where null means something. */
export function CreditId() {
  return applyDecorators(
    ValidateIf((_object, value) => value !== undefined && value !== null),
    IsInt({ message: '$property must be a user id (a positive integer) or null' }),
    Min(1, { message: '$property must be a user id (a positive integer) or null' }),
    ApiProperty({ type: 'integer', minimum: 1, nullable: true, required: false }),
  );
}

/** A moment as ISO 8601 with its offset (`2026-05-30T19:45:00Z`, `…+02:00`), never local time. */
export function Moment() {
  return applyDecorators(
    Optional(),
    IsString(),
    Matches(MOMENT, {
      message: '$property must be a time like 2026-05-30T19:45:00Z (ISO 8601, with Z or an offset)',
    }),
    ValidateBy({
      name: 'isRealMoment',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && isRealMoment(value),
        defaultMessage: () => '$property is not a real time',
      },
    }),
    ApiProperty({ type: 'string', format: 'date-time', example: '2026-05-30T19:45:00Z' }),
  );
}

/** A time that exists: Date.parse takes February 31 for March 3, this does not. */
function isRealMoment(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    !Number.isNaN(Date.parse(value)) &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day
  );
}

/** Markdown source: kept exactly as written (leading spaces start a code block), not blank. */
export function MarkdownText(maxLength: number) {
  return applyDecorators(
    IsString(),
    WellFormed(),
    Matches(NOT_BLANK, { message: '$property must not be empty' }),
    MaxLength(maxLength),
    ApiProperty({ type: 'string', minLength: 1, maxLength }),
  );
}

/** An email address as accounts store and look it up: trimmed, NFC-normalized, lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().normalize('NFC').toLowerCase();
}

/** An email address, trimmed and lower-cased, as accounts store it. */
export function EmailAddress() {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? normalizeEmail(value) : value,
    ),
    IsString(),
    MaxLength(254),
    ValidateBy({
      name: 'isEmailAddress',
      validator: {
        // validator.js's isEmail throws a URIError on a lone surrogate instead of saying no.
        validate: (value: unknown) =>
          typeof value === 'string' && !LONE_SURROGATE.test(value) && isEmail(value),
        defaultMessage: () => '$property must be an email address',
      },
    }),
    ApiProperty({ type: 'string', format: 'email', maxLength: 254 }),
  );
}
