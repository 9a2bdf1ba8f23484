/** True for a violated UNIQUE constraint, as better-sqlite3 or PostgreSQL (23505) reports it. */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } } | null)?.driverError;
  return driverError?.code === 'SQLITE_CONSTRAINT_UNIQUE' || driverError?.code === '23505';
}

/**
 * Why the storage refused, whatever the request was: the disk (or a quota) is full, the file
 * system or the database is read-only, PostgreSQL cannot be reached (down, restarting, the
 * network), the disk reports an error, or the database is busy or out of resources (locked by
 * a backup past the busy timeout, too many connections).
 */
export type StorageFailure = 'disk-full' | 'read-only' | 'unreachable' | 'io-error' | 'busy';

/** Node's codes of a failed system call or connection. */
const SYSTEM_FAILURES: Record<string, StorageFailure> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EROFS: 'read-only',
  EIO: 'io-error',
  ECONNREFUSED: 'unreachable',
  ECONNRESET: 'unreachable',
  EPIPE: 'unreachable',
  ETIMEDOUT: 'unreachable',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
};

/** PostgreSQL's SQLSTATEs (https://www.postgresql.org/docs/15/errcodes-appendix.html). */
const POSTGRES_FAILURES: Record<string, StorageFailure> = {
  '53100': 'disk-full',
  '25006': 'read-only',
  '57P01': 'unreachable',
  '57P02': 'unreachable',
  '57P03': 'unreachable',
  '58030': 'io-error',
};

/**
 * What node-postgres says, without a code, when the connection goes away: whole sentences
 * from their start, so that no message quoting a user's words (a slug) can pass for one.
 */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed)/;

function sqliteFailure(code: string): StorageFailure | null {
  if (code === 'SQLITE_FULL') return 'disk-full';
  if (code.startsWith('SQLITE_READONLY')) return 'read-only';
  if (code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN')) return 'io-error';
  // Only after the busy timeout (data-source-options.ts): another process holds the lock.
  if (code.startsWith('SQLITE_BUSY')) return 'busy';
  return null;
}

function failureOfCode(code: string): StorageFailure | null {
  if (code.startsWith('SQLITE_')) return sqliteFailure(code);
  if (code in SYSTEM_FAILURES) return SYSTEM_FAILURES[code];
  if (code in POSTGRES_FAILURES) return POSTGRES_FAILURES[code];
  // Connection exceptions (08…) and insufficient resources (53…: memory, connections).
  if (/^08[0-9A-Z]{3}$/.test(code)) return 'unreachable';
  if (/^53[0-9A-Z]{3}$/.test(code)) return 'busy';
  return null;
}

/**
 * The storage failure behind an error, or null when the error is anything else (a bug, a
 * constraint, bad input). Looks through TypeORM's wrapper (`driverError`), a `cause`, and
 * the attempts of a connection to several addresses (AggregateError).
 */
export function storageFailureOf(error: unknown, depth = 0): StorageFailure | null {
  if (typeof error !== 'object' || error === null || depth > 3) return null;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const failure =
    (typeof code === 'string' ? failureOfCode(code) : null) ??
    (typeof message === 'string' && LOST_CONNECTION.test(message) ? 'unreachable' : null);
  if (failure) return failure;
  const inner = [driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  for (const innerError of inner) {
    const innerFailure = storageFailureOf(innerError, depth + 1);
    if (innerFailure) return innerFailure;
  }
  return null;
}

/** Why writes fail, as the end of a sentence a user reads ("… right now: its disk is full"). */
export const STORAGE_FAILURE_REASONS: Record<StorageFailure, string> = {
  'disk-full': 'its disk is full',
  'read-only': 'its storage is read-only',
  unreachable: 'its database cannot be reached',
  'io-error': 'its disk reports errors',
  busy: 'its database is busy',
};

/**
 * For a `.catch()` of a write that can wait for a later chance, such as a note of when a
 * session was last used: a storage failure is let go (StorageStatus has it), anything else
 * is thrown on.
 */
export function ignoreStorageFailure(error: unknown): void {
  if (!storageFailureOf(error)) throw error;
}
