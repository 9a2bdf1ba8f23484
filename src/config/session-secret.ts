import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

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
