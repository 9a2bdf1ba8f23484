import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DataSource } from 'typeorm';

/** Where the generated secret lives: next to the database, so a backup of the folder keeps it. */
export function sessionSecretPath(databasePath: string): string {
  return join(dirname(databasePath), 'liveblog.secret');
}

/**
 * The secret that signs session cookies when SESSION_SECRET is not given: made on first start,
 * readable by the server's user only (0600), the same on every later start so sessions last.
 */
export function readOrCreateSessionSecret(databasePath: string): string {
  const path = sessionSecretPath(databasePath);
  try {
    writeFileSync(path, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // A copy restored with looser permissions is tightened rather than left readable.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}

/**
 * The secret every process sharing a PostgreSQL database signs session cookies with, when
 * SESSION_SECRET is not given: made by the first process to start, kept in the database (a
 * file beside one machine's database is not shared). Processes starting together insert
 * theirs at once; the first insert wins and all read the same one back.
 */
export async function readOrCreateSharedSessionSecret(dataSource: DataSource): Promise<string> {
  await dataSource.query(
    `INSERT INTO "settings" ("name", "value") VALUES ('session_secret', $1) ON CONFLICT ("name") DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  );
  const [{ value }] = await dataSource.query<{ value: string }[]>(
    `SELECT "value" FROM "settings" WHERE "name" = 'session_secret'`,
  );
  return value;
}
