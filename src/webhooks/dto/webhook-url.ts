import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, MaxLength, ValidateBy } from 'class-validator';

export const WEBHOOK_URL_MAX_LENGTH = 2000;

/** Why a URL cannot be a webhook's, or null when it can. */
export function webhookUrlProblem(value: unknown): string | null {
  if (typeof value !== 'string' || !URL.canParse(value)) {
    return 'url must be an absolute http:// or https:// URL';
  }
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return 'url must be an absolute http:// or https:// URL';
  }
  // The secret signs the requests; a password in the URL would sit in logs and pages.
  if (url.username || url.password) return 'url must not hold a user name or password';
  return null;
}

/** A webhook's URL: absolute, http or https, no credentials, trimmed. */
export function WebhookUrl() {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' ? value.trim() : value,
    ),
    IsString({ message: 'url must be an absolute http:// or https:// URL' }),
    MaxLength(WEBHOOK_URL_MAX_LENGTH),
    ValidateBy({
      name: 'isWebhookUrl',
      validator: {
        validate: (value: unknown) => webhookUrlProblem(value) === null,
        defaultMessage: (args) => webhookUrlProblem(args?.value) ?? 'url is invalid',
      },
    }),
    ApiProperty({
      type: 'string',
      format: 'uri',
      maxLength: WEBHOOK_URL_MAX_LENGTH,
      description: 'Where the events are POSTed: an absolute http:// or https:// URL.',
      example: 'https://hooks.example.com/liveblog',
    }),
  );
}
