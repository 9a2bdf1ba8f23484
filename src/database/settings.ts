import type { EntityManager } from 'typeorm';

/**
 * The `settings` table (name → text value), in plain SQL on both databases: values the
 * database itself must keep, such as its epoch, rather than any feature's rows.
 */

/** The value of a setting, or null when it was never written. */
export async function readSetting(manager: EntityManager, name: string): Promise<string | null> {
  const [row] = await manager.query<{ value: string }[]>(
    `SELECT "value" FROM "settings" WHERE "name" = ${placeholder(manager, 0)}`,
    [name],
  );
  return row?.value ?? null;
}

/**
 * The setting's value, written first when it has none: processes starting together each offer
 * a value, the first insert wins, and all of them read that one back. Once written, a start
 * only reads it (a database that cannot take writes still starts).
 */
export async function settingOnce(
  manager: EntityManager,
  name: string,
  offered: string,
): Promise<string> {
  const existing = await readSetting(manager, name);
  if (existing !== null) return existing;
  await manager.query(
    `INSERT INTO "settings" ("name", "value") VALUES (${placeholder(manager, 0)}, ${placeholder(manager, 1)}) ON CONFLICT ("name") DO NOTHING`,
    [name, offered],
  );
  return (await readSetting(manager, name))!;
}

/** Writes the setting, replacing its value. */
export async function writeSetting(
  manager: EntityManager,
  name: string,
  value: string,
): Promise<void> {
  await manager.query(
    `INSERT INTO "settings" ("name", "value") VALUES (${placeholder(manager, 0)}, ${placeholder(manager, 1)}) ON CONFLICT ("name") DO UPDATE SET "value" = excluded."value"`,
    [name, value],
  );
}

/** `?` on SQLite, `$1`, `$2`, ... on PostgreSQL. */
function placeholder(manager: EntityManager, index: number): string {
  return manager.connection.driver.createParameter(`p${index}`, index);
}
