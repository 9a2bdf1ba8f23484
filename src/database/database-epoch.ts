import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { settingOnce, writeSetting } from './settings';

/** The name of the epoch in the `settings` table. */
export const EPOCH_SETTING = 'epoch';

/** A new epoch: 16 URL-safe characters, random. */
export function newEpoch(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The database's epoch: a random id, made at the first start of a new database and of every
 * restore of a SQLite backup (the backup leaves it out), and by `npm run db:new-epoch` after a
 * PostgreSQL restore. Event ids only mean something within one
 * epoch: a database restored from a copy that ends at event 900 hands out 901, 902, ... again,
 * for other entries. Pages carry the epoch into their stream URL, and a stream from another
 * epoch opens with `reset` instead of resuming from a cursor that only looks valid.
 *
 * Read once at start: a restore always means a restart.
 */
export class DatabaseEpoch {
  constructor(readonly id: string) {}

  /**
   * The epoch of the database, made by the first process to start on it (or on a restored
   * SQLite copy): processes starting together all read the one that was inserted first.
   */
  static async of(manager: EntityManager): Promise<DatabaseEpoch> {
    return new DatabaseEpoch(await settingOnce(manager, EPOCH_SETTING, newEpoch()));
  }
}

/** Gives the database a new epoch; resolves to it. */
export async function renewEpoch(manager: EntityManager): Promise<string> {
  const epoch = newEpoch();
  await writeSetting(manager, EPOCH_SETTING, epoch);
  return epoch;
}
