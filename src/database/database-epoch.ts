import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { readSetting, settingOnce, writeSetting } from './settings';

/** The name of the epoch in the `settings` table. */
export const EPOCH_SETTING = 'epoch';

/**
 * PostgreSQL: the oid of the database the epoch was made in. A restore goes into a new
 * database (or a dropped and created one), with a new oid: its first start sees another.
 */
export const DATABASE_OID_SETTING = 'database_oid';

/** A new epoch: 16 URL-safe characters, random. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The database's epoch: a random id, made at the first start of a new database, of every
 * restore of a SQLite backup (the backup leaves it out) and of every restore of a PostgreSQL
 * dump (its oid is not the one recorded), and by `npm run db:new-epoch`. Event ids only mean
 * something within one epoch: a database restored from a copy that ends at event 900 hands out
 * 901, 902, ... again, for other entries. Pages carry the epoch into their stream URL, and a
 * stream from another epoch opens with `reset` instead of resuming from a cursor that only
 * looks valid. Each event keeps the epoch it was written in (LogEvent.epoch).
 *
 * Read once at start: a restore always means a restart.
 */
export class DatabaseEpoch {
  constructor(readonly id: string) {}

  /**
   * The epoch of the database, made by the first process to start on it (or on a restored
   * copy): processes starting together all read the one that was inserted first.
   */
  static async of(manager: EntityManager): Promise<DatabaseEpoch> {
    const epoch = await settingOnce(manager, EPOCH_SETTING, newEpoch());
    if (!isPostgres(manager)) return new DatabaseEpoch(epoch);
    return new DatabaseEpoch(await epochOfThisPostgresDatabase(manager));
  }
}

/** Gives the database a new epoch; resolves to it. */
export async function renewEpoch(manager: EntityManager): Promise<string> {
  const epoch = newEpoch();
  await manager.transaction(async (transaction) => {
    await writeSetting(transaction, EPOCH_SETTING, epoch);
    if (isPostgres(manager)) await recordDatabaseOid(transaction);
  });
  return epoch;
}

/**
 * The epoch, replaced when it was made in another database (a restored dump) or before the oid
 * was recorded. Processes starting together each replace only the epoch they read, in one
 * conditional update: the first one's wins, the others find it changed and read it back.
 */
async function epochOfThisPostgresDatabase(manager: EntityManager): Promise<string> {
  // One statement, one snapshot: an epoch and an oid that belong together.
  const rows = await manager.query<{ name: string; value: string }[]>(
    `SELECT "name", "value" FROM "settings" WHERE "name" IN ($1, $2)`,
    [EPOCH_SETTING, DATABASE_OID_SETTING],
  );
  const setting = (name: string) => rows.find((row) => row.name === name)?.value;
  const epoch = setting(EPOCH_SETTING)!;
  if (setting(DATABASE_OID_SETTING) === (await databaseOid(manager))) return epoch;
  await manager.transaction(async (transaction) => {
    await transaction.query(
      `UPDATE "settings" SET "value" = $1 WHERE "name" = $2 AND "value" = $3`,
      [newEpoch(), EPOCH_SETTING, epoch],
    );
    await recordDatabaseOid(transaction);
  });
  return (await readSetting(manager, EPOCH_SETTING))!;
}

async function recordDatabaseOid(manager: EntityManager): Promise<void> {
  await writeSetting(manager, DATABASE_OID_SETTING, await databaseOid(manager));
}

async function databaseOid(manager: EntityManager): Promise<string> {
  const [{ oid }] = await manager.query<{ oid: string }[]>(
    `SELECT "oid"::text AS "oid" FROM "pg_database" WHERE "datname" = current_database()`,
  );
  return oid;
}

function isPostgres(manager: EntityManager): boolean {
  return manager.connection.options.type === 'postgres';
}
