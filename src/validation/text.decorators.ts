import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { normalizeEmail } from '../auth/users.service';
import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

/** A required string, trimmed, not blank, at most `maxLength` characters. */
export function RequiredText(maxLength: number) {
  return applyDecorators(
    Transform(trim),
    IsString(),
    IsNotEmpty({ message: '$property must not be empty' }),
    MaxLength(maxLength),
  );
}

/** An optional string, trimmed, at most `maxLength` characters (may be empty). */
export function OptionalText(maxLength: number) {
  return applyDecorators(Transform(trim), IsOptional(), IsString(), MaxLength(maxLength));
}

/** An email address, trimmed and lower-cased, as accounts store it. */
export function EmailAddress() {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? normalizeEmail(value) : value,
    ),
    IsString(),
    MaxLength(254),
    IsEmail({}, { message: '$property must be an email address' }),
  );
}
