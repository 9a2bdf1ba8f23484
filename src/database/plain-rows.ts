import type { EntityManager, EntityMetadata, EntityTarget, ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * Single-row reads and inserts without TypeORM's query builder, for the queries every publish
 * makes. The builder spends more JavaScript than SQLite spends running the statement, and
 * TypeORM's SQLite driver writes numbers into the SQL text: each new id made a new statement
 * for SQLite to compile, pushing reused ones out of the driver's statement cache. Here values
 * are bound; the columns, their conversions (booleans, dates) and the placeholders (`?` or
 * `$1`) still come from the entity's metadata and the driver. Unlike TypeORM's insert, an
 * unset column does not get its default: the caller sets every column.
 */

interface InsertStatement {
  sql: string;
  /** The columns an insert writes (not a generated id), in the statement's order. */
  columns: ColumnMetadata[];
}

const insertStatements = new WeakMap<EntityMetadata, InsertStatement>();

/** Inserts an entity's row; resolves to the new row's id. */
export async function insertRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): Promise<number> {
  const metadata = manager.connection.getMetadata(target);
  const { sql, columns } = insertStatement(manager, metadata);
  const { driver } = manager.connection;
  const values = columns.map((column): unknown => {
    const value: unknown = column.getEntityValue(entity);
    if (value === undefined) throw new Error(`${metadata.name}.${column.propertyName} is unset`);
    return driver.preparePersistentValue(value, column);
  });
  const answer: unknown = await manager.query(sql, values);
  // PostgreSQL returns the id asked for; better-sqlite3 answers with lastInsertRowid.
  return Number(Array.isArray(answer) ? (answer[0] as { id: number }).id : answer);
}

/** The entity whose `property` (a unique column) holds `value`, or null. */
export async function findRowBy<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  property: keyof T & string,
  value: string | number,
): Promise<T | null> {
  const metadata = manager.connection.getMetadata(target);
  const keyColumn = metadata.findColumnWithPropertyName(property);
  if (!keyColumn) throw new Error(`${metadata.name} has no column ${property}`);
  const { driver } = manager.connection;
  const rows = await manager.query<Record<string, unknown>[]>(
    `SELECT * FROM ${driver.escape(metadata.tableName)} WHERE ${driver.escape(keyColumn.databaseName)} = ${driver.createParameter('value', 0)} LIMIT 1`,
    [value],
  );
  if (rows.length === 0) return null;
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    const stored = rows[0][column.databaseName];
    column.setEntityValue(entity, driver.prepareHydratedValue(stored, column));
  }
  return entity;
}

function insertStatement(manager: EntityManager, metadata: EntityMetadata): InsertStatement {
  let statement = insertStatements.get(metadata);
  if (!statement) {
    const { driver } = manager.connection;
    const columns = metadata.columns.filter((column) => column.isInsert && !column.isGenerated);
    const names = columns.map((column) => driver.escape(column.databaseName)).join(', ');
    const placeholders = columns.map((column, index) =>
      driver.createParameter(column.propertyName, index),
    );
    const returning = driver.options.type === 'postgres' ? ' RETURNING "id"' : '';
    const sql = `INSERT INTO ${driver.escape(metadata.tableName)} (${names}) VALUES (${placeholders.join(', ')})${returning}`;
    insertStatements.set(metadata, (statement = { sql, columns }));
  }
  return statement;
}
