import { applyDecorators } from '@nestjs/common';
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

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NOT_BLANK = /\S/;
const ONE_LINE = /^[^\r\n\u2028\u2029]*$/;

/**
 * A field that may be left out. Unlike class-validator's IsOptional, null is not "left out":
 * it must pass the field's rules like any value, so `{"title": null}` is a 400.
 */
export const Optional = () => ValidateIf((_object, value) => value !== undefined);

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
  );
}

/** Markdown source: kept exactly as written (leading spaces start a code block), not blank. */
export function MarkdownText(maxLength: number) {
  return applyDecorators(
    IsString(),
    WellFormed(),
    Matches(NOT_BLANK, { message: '$property must not be empty' }),
    MaxLength(maxLength),
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
  );
}
