import type { EntityManager, EntityTarget, FindOneOptions, ObjectLiteral } from 'typeorm';

/**
 * The `lock` of a find that reads rows a transaction is about to change, so that two
 * processes changing one row (two editors saving one entry) take turns instead of both
 * passing a check on the same old row. PostgreSQL locks the rows read (FOR UPDATE OF the
 * entity's own table, not of joined ones); SQLite needs nothing, its transactions run one
 * after another.
 */
export function forUpdate<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
): FindOneOptions<T>['lock'] | undefined {
  const { connection } = manager;
  if (connection.options.type !== 'postgres') return undefined;
  return {
    mode: 'pessimistic_write',
    tables: [connection.getMetadata(target).tableNameWithoutPrefix],
  };
}

/**
 * Holds a transaction-scoped lock named by `key` until the transaction ends, on PostgreSQL: for
 * a check over many rows (is there another admin?) that two processes must not both pass
 * before either commits. SQLite's transactions already run one after another.
 */
export async function takeTurns(manager: EntityManager, key: bigint): Promise<void> {
  if (manager.connection.options.type !== 'postgres') return;
  await manager.query('SELECT pg_advisory_xact_lock($1)', [key.toString()]);
}
