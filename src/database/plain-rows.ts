import type { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Single-row reads and inserts without TypeORM's query builder, for the queries every publish
 * makes. The builder spends more JavaScript than SQLite spends running the statement, and
 * TypeORM's SQLite driver writes numbers into the SQL text: each new id made a new statement
 * for SQLite to compile, pushing reused ones out of the driver's statement cache. Here values
 * are bound; the columns and their conversions (booleans, dates) still come from the entity's
 * metadata and the driver, so the rows are the ones TypeORM itself writes and reads.
 */

interface InsertStatement {
  sql: string;
  /** Every column but a generated id, in the statement's order. */
  columns: ColumnMetadata[];
}

const insertStatements = new WeakMap<EntityMetadata, InsertStatement>();

/** Inserts an entity's row, every column but a generated id; resolves to the new row's id. */
export async function insertRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): Promise<number> {
  const { sql, columns } = insertStatement(manager.connection.getMetadata(target));
  const { driver } = manager.connection;
  const values = columns.map((column): unknown =>
    driver.preparePersistentValue(column.getEntityValue(entity), column),
  );
  // better-sqlite3 answers an INSERT with the new row's id (lastInsertRowid).
  return Number(await manager.query(sql, values));
}

/** The entity whose `column` holds `value` (a unique column), or null. */
export async function findRowBy<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  column: keyof T & string,
  value: string | number,
): Promise<T | null> {
  const metadata = manager.connection.getMetadata(target);
  const where = metadata.findColumnWithPropertyName(column);
  if (!where) throw new Error(`${metadata.name} has no column ${column}`);
  const rows = await manager.query<Record<string, unknown>[]>(
    `SELECT * FROM "${metadata.tableName}" WHERE "${where.databaseName}" = ? LIMIT 1`,
    [value],
  );
  if (rows.length === 0) return null;
  const { driver } = manager.connection;
  const entity = metadata.create() as T;
  for (const metaColumn of metadata.columns) {
    const stored = rows[0][metaColumn.databaseName];
    metaColumn.setEntityValue(entity, driver.prepareHydratedValue(stored, metaColumn));
  }
  return entity;
}

function insertStatement(metadata: EntityMetadata): InsertStatement {
  let statement = insertStatements.get(metadata);
  if (!statement) {
    const columns = metadata.columns.filter((column) => !column.isGenerated);
    const names = columns.map((column) => `"${column.databaseName}"`).join(', ');
    const places = columns.map(() => '?').join(', ');
    const sql = `INSERT INTO "${metadata.tableName}" (${names}) VALUES (${places})`;
    insertStatements.set(metadata, (statement = { sql, columns }));
  }
  return statement;
}
