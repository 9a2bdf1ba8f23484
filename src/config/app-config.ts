import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsEmail,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;

/** A configuration the server cannot start with; its message is one line naming the variable. */
export class InvalidConfigError extends Error {}

/**
 * The server's configuration, read once from the environment at start (contract: "Running").
 * Property names are the environment variables, so an error names exactly what to fix.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer from 0 to 65535' })
  @Min(0, { message: 'PORT must be an integer from 0 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 0 to 65535' })
  PORT = 3000;

  @IsString()
  @IsNotEmpty({ message: 'HOST must not be empty' })
  HOST = '0.0.0.0';

  @IsString()
  @IsNotEmpty({ message: 'DATABASE_PATH must not be empty' })
  DATABASE_PATH = './data/liveblog.sqlite';

  @IsOptional()
  @IsEmail({}, { message: 'ADMIN_EMAIL must be an email address' })
  ADMIN_EMAIL?: string;

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'ADMIN_PASSWORD must be at least 8 characters' })
  ADMIN_PASSWORD?: string;

  @Transform(toInt)
  @IsInt({ message: 'SSE_HEARTBEAT_MS must be an integer from 1000 to 3600000' })
  @Min(1000, { message: 'SSE_HEARTBEAT_MS must be an integer from 1000 to 3600000' })
  @Max(3_600_000, { message: 'SSE_HEARTBEAT_MS must be an integer from 1000 to 3600000' })
  SSE_HEARTBEAT_MS = 15_000;

  @Transform(toInt)
  @IsInt({ message: 'SSE_RETRY_MS must be an integer from 0 to 3600000' })
  @Min(0, { message: 'SSE_RETRY_MS must be an integer from 0 to 3600000' })
  @Max(3_600_000, { message: 'SSE_RETRY_MS must be an integer from 0 to 3600000' })
  SSE_RETRY_MS = 3000;

  @Transform(toInt)
  @IsInt({ message: 'VIEWS_RATE_LIMIT must be an integer from 1 to 1000000' })
  @Min(1, { message: 'VIEWS_RATE_LIMIT must be an integer from 1 to 1000000' })
  @Max(1_000_000, { message: 'VIEWS_RATE_LIMIT must be an integer from 1 to 1000000' })
  VIEWS_RATE_LIMIT = 600;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent',
  })
  LOG_LEVEL = 'info';
}

const variables = Object.keys(new AppConfig());

/**
 * Validates the environment and prepares the database folder. Throws InvalidConfigError
 * whose message names the first bad variable, never its value (it may be a secret).
 */
export function loadConfig(env: NodeJS.ProcessEnv): AppConfig {
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
  config.DATABASE_PATH = resolve(config.DATABASE_PATH);
  ensureWritableFolder(config.DATABASE_PATH);
  return config;
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
