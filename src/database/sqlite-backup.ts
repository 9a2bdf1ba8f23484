import Database from 'better-sqlite3';
import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { sessionSecretPath } from '../config/session-secret';
import { EPOCH_SETTING } from './database-epoch';

/** A backup that cannot be made as asked; the message says why, for the command line. */
export class BackupRefusedError extends Error {}

export interface SqliteBackup {
  /** Where the session secret was copied to, or null when there was no secret file. */
  secretCopy: string | null;
}

/** The session secret's copy beside a backup file: `<backup>.secret`. */
export function secretCopyPath(backupPath: string): string {
  return `${backupPath}.secret`;
}

/**
 * A consistent copy of the SQLite database at `databasePath` in `target`, made while the
 * server runs and writes, by SQLite's online backup API; then the epoch is taken out of the
 * copy, and the session secret file is copied next to it. The copy is made under a temporary
 * name and renamed into place, so a backup that fails half-way leaves no file that looks whole.
 */
export async function backUpSqlite(
  databasePath: string,
  target: string,
  { overwrite = false }: { overwrite?: boolean } = {},
): Promise<SqliteBackup> {
  const secret = sessionSecretPath(databasePath);
  const secretCopy = existsSync(secret) ? secretCopyPath(target) : null;
  checkTarget(databasePath, target, secretCopy, overwrite);
  const partial = `${target}.partial`;
  rmSync(partial, { force: true });
  const source = new Database(databasePath, { fileMustExist: true, timeout: 5000 });
  try {
    // After the first step, the rest in one: a write by the server between two steps would
    // make SQLite start the copy over.
    await source.backup(partial, { progress: ({ remainingPages }) => remainingPages });
  } finally {
    source.close();
  }
  const copy = new Database(partial, { fileMustExist: true });
  try {
    forgetEpoch(copy);
    // One self-contained file: no -wal beside it to lose on the way to the backup disk.
    copy.pragma('journal_mode = DELETE');
  } finally {
    copy.close();
  }
  renameSync(partial, target);
  if (secretCopy) {
    copyFileSync(secret, secretCopy);
    chmodSync(secretCopy, 0o600);
  }
  return { secretCopy };
}

function checkTarget(
  databasePath: string,
  target: string,
  secretCopy: string | null,
  overwrite: boolean,
): void {
  if (!existsSync(databasePath)) {
    throw new BackupRefusedError(`There is no database at ${databasePath} (DATABASE_PATH)`);
  }
  if (target === databasePath) {
    throw new BackupRefusedError('The backup file must not be the database itself');
  }
  const folder = dirname(target);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw new BackupRefusedError(`The folder ${folder} does not exist`);
  }
  for (const path of [target, secretCopy]) {
    if (path && existsSync(path) && !overwrite) {
      throw new BackupRefusedError(`${path} already exists; give --overwrite to replace it`);
    }
  }
}

/**
 * A copy without an epoch gets a new one at its first start (DatabaseEpoch.of), as a new
 * database does: each restore of the same copy has its own, so the readers of one restore
 * reset at the next instead of resuming at ids that now mean other entries. (A database from
 * before the settings table has none to forget.)
 */
function forgetEpoch(copy: Database.Database): void {
  const settings = copy
    .prepare(`SELECT 1 FROM "sqlite_master" WHERE "type" = 'table' AND "name" = 'settings'`)
    .get();
  if (!settings) return;
  copy.prepare(`DELETE FROM "settings" WHERE "name" = ?`).run(EPOCH_SETTING);
}
