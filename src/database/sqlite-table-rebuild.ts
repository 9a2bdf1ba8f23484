import type { QueryRunner } from 'typeorm';

/*
 * What SQLite's migrations need to rebuild a table (SQLite changes a column's NOT NULL or a
 * CHECK no other way): its own recipe, "ALTER TABLE", section 7.
 */

/**
 * Runs `work` with foreign keys off, so that dropping a table cascades to nothing, in a
 * transaction that commits only if every foreign key still holds. The pragma is ignored
 * inside a transaction: the migration must run outside the runner's (`transaction = false`).
 */
export async function withForeignKeysOff(
  queryRunner: QueryRunner,
  work: () => Promise<void>,
): Promise<void> {
  await queryRunner.query('PRAGMA foreign_keys = OFF');
  try {
    await queryRunner.startTransaction();
    try {
      await work();
      const broken = (await queryRunner.query('PRAGMA foreign_key_check')) as unknown[];
      if (broken.length > 0) throw new Error(`Foreign keys broken: ${JSON.stringify(broken)}`);
      await queryRunner.commitTransaction();
    } catch (error) {
      await queryRunner.rollbackTransaction();
      throw error;
    }
  } finally {
    await queryRunner.query('PRAGMA foreign_keys = ON');
  }
}

/**
 * Gives the new copy of a table the old one's AUTOINCREMENT counter. A copy would count on from
 * its highest id and hand out again the ids of the newest deleted rows: an old permalink or a
 * logged `delete` would then name another entry. Call it before dropping the old table; the
 * rename carries the counter over.
 */
export async function keepIdCounter(
  queryRunner: QueryRunner,
  table: string,
  copy: string,
): Promise<void> {
  await queryRunner.query(`DELETE FROM "sqlite_sequence" WHERE "name" = ?`, [copy]);
  await queryRunner.query(
    `INSERT INTO "sqlite_sequence" ("name", "seq") SELECT ?, "seq" FROM "sqlite_sequence" WHERE "name" = ?`,
    [copy, table],
  );
}
