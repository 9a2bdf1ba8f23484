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

/** The parts of an entity's insert, for insertRow or a statement of one's own around it. */
export interface RowInsert {
  /** The quoted table name. */
  table: string;
  /** The quoted column list (not a generated id). */
  columns: string;
  /** The placeholders `?` or `$1`, `$2`, ..., one per column. */
  placeholders: string;
  /** The values to bind, converted as TypeORM would store them. */
  values: unknown[];
}

interface InsertShape {
  table: string;
  columns: string;
  placeholders: string;
  /** The columns an insert writes, in the statement's order. */
  written: ColumnMetadata[];
}

const insertShapes = new WeakMap<EntityMetadata, InsertShape>();

/** Inserts an entity's row; resolves to the new row's id. */
export async function insertRow<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): Promise<number> {
  const { table, columns, placeholders, values } = rowInsert(manager, target, entity);
  const returning = manager.connection.driver.options.type === 'postgres' ? ' RETURNING "id"' : '';
  const answer: unknown = await manager.query(
    `INSERT INTO ${table} (${columns}) VALUES (${placeholders})${returning}`,
    values,
  );
  // PostgreSQL returns the id asked for; better-sqlite3 answers with lastInsertRowid.
  return Number(Array.isArray(answer) ? (answer[0] as { id: number }).id : answer);
}

/** What inserting the entity's row takes: table, columns, placeholders and bound values. */
export function rowInsert<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  entity: T,
): RowInsert {
  const metadata = manager.connection.getMetadata(target);
  const { driver } = manager.connection;
  let shape = insertShapes.get(metadata);
  if (!shape) {
    const written = metadata.columns.filter((column) => column.isInsert && !column.isGenerated);
    shape = {
      table: driver.escape(metadata.tableName),
      columns: written.map((column) => driver.escape(column.databaseName)).join(', '),
      placeholders: written
        .map((column, index) => driver.createParameter(column.propertyName, index))
        .join(', '),
      written,
    };
    insertShapes.set(metadata, shape);
  }
  const values = shape.written.map((column): unknown => {
    const value: unknown = column.getEntityValue(entity);
    if (value === undefined) throw new Error(`${metadata.name}.${column.propertyName} is unset`);
    return driver.preparePersistentValue(value, column);
  });
  return { table: shape.table, columns: shape.columns, placeholders: shape.placeholders, values };
}

/** The entity whose `property` (a unique column) holds `value`, or null. */
export async function findRowBy<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  property: keyof T & string,
  value: string | number,
): Promise<T | null> {
  const metadata = manager.connection.getMetadata(target);
  const { driver } = manager.connection;
  const rows = await manager.query<Record<string, unknown>[]>(
    `SELECT * FROM ${driver.escape(metadata.tableName)} WHERE ${keyCondition(manager, metadata, property)} LIMIT 1`,
    [value],
  );
  return rows.length === 0 ? null : hydrate(manager, metadata, rows[0]);
}

/**
 * findRowBy with the row its many-to-one `relation` points to, read in the same query (a join:
 * one round trip to the database, not two); null when either row is missing.
 */
export async function findRowWithRelation<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  property: keyof T & string,
  value: string | number,
  relation: keyof T & string,
): Promise<T | null> {
  const metadata = manager.connection.getMetadata(target);
  const related = metadata.findRelationWithPropertyPath(relation);
  const [joinColumn] = related?.joinColumns ?? [];
  if (!related || !joinColumn?.referencedColumn) {
    throw new Error(`${metadata.name}.${relation} is not a many-to-one relation`);
  }
  const { driver } = manager.connection;
  const parent = related.inverseEntityMetadata;
  // Positional aliases: the two tables share column names (id, createdAt).
  const select = [
    ...metadata.columns.map(
      (column, index) => `c.${driver.escape(column.databaseName)} AS c${index}`,
    ),
    ...parent.columns.map(
      (column, index) => `p.${driver.escape(column.databaseName)} AS p${index}`,
    ),
  ];
  const rows = await manager.query<Record<string, unknown>[]>(
    `SELECT ${select.join(', ')} FROM ${driver.escape(metadata.tableName)} c
     JOIN ${driver.escape(parent.tableName)} p
       ON p.${driver.escape(joinColumn.referencedColumn.databaseName)} = c.${driver.escape(joinColumn.databaseName)}
     WHERE c.${keyCondition(manager, metadata, property)} LIMIT 1`,
    [value],
  );
  if (rows.length === 0) return null;
  const byName = (prefix: string, columns: ColumnMetadata[]) =>
    Object.fromEntries(
      columns.map((column, index) => [column.databaseName, rows[0][`${prefix}${index}`]]),
    );
  const entity = hydrate<T>(manager, metadata, byName('c', metadata.columns));
  related.setEntityValue(entity, hydrate(manager, parent, byName('p', parent.columns)));
  return entity;
}

/** `"column" = <first placeholder>` for the entity's `property`. */
function keyCondition(manager: EntityManager, metadata: EntityMetadata, property: string): string {
  const keyColumn = metadata.findColumnWithPropertyName(property);
  if (!keyColumn) throw new Error(`${metadata.name} has no column ${property}`);
  const { driver } = manager.connection;
  return `${driver.escape(keyColumn.databaseName)} = ${driver.createParameter('value', 0)}`;
}

/** An entity of a row keyed by column names, its values converted as TypeORM reads them. */
function hydrate<T>(
  manager: EntityManager,
  metadata: EntityMetadata,
  row: Record<string, unknown>,
): T {
  const { driver } = manager.connection;
  const entity = metadata.create() as T;
  for (const column of metadata.columns) {
    column.setEntityValue(
      entity as ObjectLiteral,
      driver.prepareHydratedValue(row[column.databaseName], column),
    );
  }
  return entity;
}
