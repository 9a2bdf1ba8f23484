import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MinLength,
  Validate,
  ValidateBy,
  validateSync,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import proxyAddr from 'proxy-addr';
import { readOrCreateSessionSecret, sessionSecretPath } from './session-secret';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;

/**
 * An integer variable from `min` to `max`, read from its text. One rule, so one message:
 * "PORT must be an integer from 0 to 65535", naming the variable and never its value.
 */
function IntegerSetting({ min, max }: { min: number; max: number }): PropertyDecorator {
  const transform = Transform(toInt);
  const validate = ValidateBy({
    name: 'integerSetting',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) =>
        typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max,
      defaultMessage: () => '$property must be an integer from $constraint1 to $constraint2',
    },
  });
  return (target, property) => {
    transform(target, property);
    validate(target, property);
  };
}

/**
 * A URL whose scheme is one of `schemes`. The message names the variable and the schemes,
 * never the value: it holds a password.
 */
function UrlSetting(schemes: string[]): PropertyDecorator {
  return ValidateBy({
    name: 'urlSetting',
    constraints: [schemes],
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !URL.canParse(value)) return false;
        return schemes.includes(new URL(value).protocol.slice(0, -1));
      },
      defaultMessage: () => `$property must be a URL starting with ${schemes.join(':// or ')}://`,
    },
  });
}

/**
 * PUBLIC_URL as an origin: `https://live.example.com`, a trailing slash dropped, the host
 * lower-cased and a default port left out. Anything else (a path, a query, user info, another
 * scheme) is left as given, for publicUrlIsValid to refuse.
 */
function parsePublicUrl(value: unknown): unknown {
  if (typeof value !== 'string' || !URL.canParse(value.trim())) return value;
  const url = new URL(value.trim());
  const isOrigin = ['http:', 'https:'].includes(url.protocol) && url.href === `${url.origin}/`;
  return isOrigin ? url.origin : value;
}

const publicUrlIsValid = (value: unknown) =>
  typeof value === 'string' &&
  /^https?:\/\//.test(value) &&
  URL.canParse(value) &&
  new URL(value).origin === value;

/** Express's `trust proxy`: off, a number of hops, or the proxies' addresses and subnets. */
export type TrustProxy = boolean | number | string[];

function parseTrustProxy(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text.split(',').map((part) => part.trim());
}

@ValidatorConstraint({ name: 'trustProxy' })
class TrustProxyIsValid implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value === 'boolean' || (Number.isInteger(value) && (value as number) >= 0)) {
      return true;
    }
    if (!Array.isArray(value) || value.length === 0) return false;
    try {
      proxyAddr.compile(value as string[]);
      return true;
    } catch {
      return false;
    }
  }

  defaultMessage(): string {
    return 'TRUST_PROXY must be false, true, a number of proxies, or addresses/subnets such as loopback,10.0.0.0/8';
  }
}

/** CSP source expressions allowed in FRAME_ANCESTORS: 'self', 'none', or (wildcard) origins. */
const FRAME_ANCESTORS =
  /^(?:'self'|'none'|https?:|https?:\/\/(?:\*\.)?[\w.-]+(?::(?:\d{1,5}|\*))?)(?: +(?:'self'|https?:|https?:\/\/(?:\*\.)?[\w.-]+(?::(?:\d{1,5}|\*))?))*$/;

/** EMBED_ORIGINS: `*`, `'none'`, or origins (a leading `*.` for subdomains) separated by spaces. */
const EMBED_ORIGINS =
  /^(?:\*|'none'|https?:\/\/(?:\*\.)?[\w.-]+(?::\d{1,5})?(?: +https?:\/\/(?:\*\.)?[\w.-]+(?::\d{1,5})?)*)$/;

/** A configuration the server cannot start with; its message is one line naming the variable. */
export class InvalidConfigError extends Error {}

/**
 * The server's configuration, read once from the environment at start (contract: "Running").
 * Property names are the environment variables, so an error names exactly what to fix.
 */
export class AppConfig {
  @IntegerSetting({ min: 0, max: 65535 })
  PORT = 3000;

  @IsString()
  @IsNotEmpty({ message: 'HOST must not be empty' })
  HOST = '0.0.0.0';

  @IsString()
  @IsNotEmpty({ message: 'DATABASE_PATH must not be empty' })
  DATABASE_PATH = './data/liveblog.sqlite';

  /** PostgreSQL instead of the SQLite file: what several processes share (DATABASE_PATH is then unused). */
  @IsOptional()
  @UrlSetting(['postgres', 'postgresql'])
  DATABASE_URL?: string;

  /** Redis, where several processes share rate limits, view dedupe, readers-now and figures. */
  @IsOptional()
  @UrlSetting(['redis', 'rediss'])
  REDIS_URL?: string;

  @IsOptional()
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters' })
  ADMIN_PASSWORD?: string;

  @IntegerSetting({ min: 1000, max: 3_600_000 })
  SSE_HEARTBEAT_MS = 15_000;

  @IntegerSetting({ min: 0, max: 3_600_000 })
  SSE_RETRY_MS = 3000;

  @IntegerSetting({ min: 1, max: 1_000_000 })
  VIEWS_RATE_LIMIT = 600;

  @IntegerSetting({ min: 1, max: 1_000_000 })
  API_WRITE_RATE_LIMIT = 300;

  @IntegerSetting({ min: 1, max: 1_000_000 })
  SSE_MAX_PER_ADDRESS = 200;

  /** The largest photo upload, in bytes (15 MB). */
  @IntegerSetting({ min: 1024, max: 1_073_741_824 })
  MEDIA_MAX_BYTES = 15 * 1024 * 1024;

  /** How long a webhook's receiver has to answer before the attempt counts as failed. */
  @IntegerSetting({ min: 100, max: 60_000 })
  WEBHOOK_TIMEOUT_MS = 10_000;

  /** The first retry of a failed webhook delivery; each next one waits twice as long. */
  @IntegerSetting({ min: 10, max: 3_600_000 })
  WEBHOOK_RETRY_MIN_MS = 10_000;

  /** The longest wait between two retries of a webhook delivery. */
  @IntegerSetting({ min: 10, max: 86_400_000 })
  WEBHOOK_RETRY_MAX_MS = 3_600_000;

  /** How long a webhook delivery is retried before it is recorded as `gave-up` and skipped. */
  @IntegerSetting({ min: 10, max: 604_800_000 })
  WEBHOOK_GIVE_UP_MS = 86_400_000;

  /** Which proxies' X-Forwarded-* headers to believe (Express's `trust proxy`); see README. */
  @Transform(({ value }: { value: unknown }) => parseTrustProxy(value))
  @Validate(TrustProxyIsValid)
  TRUST_PROXY: TrustProxy = false;

  /**
   * Where readers reach the site (`https://live.example.com`): the origin of the absolute URLs
   * in canonical links, social previews, structured data, the sitemap and feeds. Unset, each
   * request's own protocol and host are used (see site-links.ts).
   */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => parsePublicUrl(value))
  @ValidateBy({
    name: 'publicUrl',
    validator: {
      validate: publicUrlIsValid,
      defaultMessage: () =>
        'PUBLIC_URL must be an http:// or https:// URL without a path, such as https://live.example.com',
    },
  })
  PUBLIC_URL?: string;

  /** Who may show the pages in a frame: CSP `frame-ancestors` sources. */
  @Matches(FRAME_ANCESTORS, {
    message:
      "FRAME_ANCESTORS must be 'self', 'none' or origins such as https://example.com, separated by spaces",
  })
  FRAME_ANCESTORS = "'self'";

  /**
   * Who may frame the embed page (`/blogs/:slug/embed`). Any site by default: the page is
   * read-only and runs on no session, so a frame cannot make it do anything.
   */
  @Matches(EMBED_ORIGINS, {
    message:
      "EMBED_ORIGINS must be *, 'none' or origins such as https://news.example.com, separated by spaces",
  })
  EMBED_ORIGINS = '*';

  /**
   * Signs the session cookie; when not given, generated and kept next to the SQLite file, or
   * with DATABASE_URL in the database (see createApp), so that every process shares it.
   */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'SESSION_SECRET must be at least 32 characters' })
  SESSION_SECRET?: string;

  /** Turns on GET /metrics for whoever sends it as a bearer token (Prometheus); see docs/metrics.md. */
  @IsOptional()
  @Matches(/^[\x21-\x7e]{16,}$/, {
    message: 'METRICS_TOKEN must be at least 16 characters, without spaces',
  })
  METRICS_TOKEN?: string;

  /** Events older than this many days are pruned (entries stay); unset, the log keeps all. */
  @IsOptional()
  @IntegerSetting({ min: 1, max: 36_500 })
  LOG_RETENTION_DAYS?: number;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL = 'info';
}

const variables = Object.keys(new AppConfig());

/**
 * Validates the environment and prepares the database folder. Throws InvalidConfigError
 * whose message names the first bad variable, never its value (it may be a secret).
 * `signsSessions: false` is for the migration CLI, which must not make a session secret.
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  { signsSessions = true }: { signsSessions?: boolean } = {},
): AppConfig {
  const given = Object.fromEntries(
    variables
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const config = plainToInstance(AppConfig, given);
  const [error] = validateSync(config, { stopAtFirstError: true });
  if (error) {
    const message = Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`;
    throw new InvalidConfigError(`Invalid configuration: ${message}`);
  }
  if (Boolean(config.ADMIN_EMAIL) !== Boolean(config.ADMIN_PASSWORD)) {
    throw new InvalidConfigError(
      'Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together',
    );
  }
  if (config.WEBHOOK_RETRY_MIN_MS > config.WEBHOOK_RETRY_MAX_MS) {
    throw new InvalidConfigError(
      'Invalid configuration: WEBHOOK_RETRY_MIN_MS must not be more than WEBHOOK_RETRY_MAX_MS',
    );
  }
  // The database folder and the secret file are the SQLite file's; PostgreSQL needs neither.
  if (config.DATABASE_URL) return config;
  config.DATABASE_PATH = resolve(config.DATABASE_PATH);
  ensureWritableFolder(config.DATABASE_PATH);
  if (signsSessions) config.SESSION_SECRET ??= readSessionSecret(config.DATABASE_PATH);
  return config;
}

function readSessionSecret(databasePath: string): string {
  const secret = readOrCreateSessionSecret(databasePath);
  if (secret.length < 32) {
    throw new InvalidConfigError(
      `Invalid configuration: ${sessionSecretPath(databasePath)} must hold at least 32 characters`,
    );
  }
  return secret;
}

function ensureWritableFolder(databasePath: string): void {
  const folder = dirname(databasePath);
  try {
    mkdirSync(folder, { recursive: true });
    accessSync(folder, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new InvalidConfigError(
      `Invalid configuration: DATABASE_PATH folder ${folder} is not writable (${code})`,
    );
  }
}
