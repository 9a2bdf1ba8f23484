import { join } from 'node:path';
import { defaults as pgDefaults, types as pgTypes } from 'pg';
import type { DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/app-config';

/** Where the data lives: the SQLite file, or PostgreSQL when DATABASE_URL is given. */
export type DatabaseSettings = Pick<AppConfig, 'DATABASE_PATH' | 'DATABASE_URL'>;

// Every feature's entities by file name, so the database knows no feature folder.
const entities = [join(__dirname, '..', '**', '*.entity.{ts,js}')];
const migrationsOf = (database: 'sqlite' | 'postgres') => [
  join(__dirname, '..', '..', 'migrations', database, '*.{ts,js}'),
];

/** The one database configuration, shared by the app and the TypeORM CLI (ormconfig.ts). */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return settings.DATABASE_URL
    ? postgresOptions(settings.DATABASE_URL)
    : sqliteOptions(settings.DATABASE_PATH);
}

function sqliteOptions(databasePath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: databasePath,
    entities,
    migrations: migrationsOf('sqlite'),
    // Each in its own transaction: a table rebuild runs outside one (see the Drafts migration).
    migrationsTransactionMode: 'each',
    synchronize: false,
    // WAL lets readers (streams replaying the log) run while a write commits.
    enableWAL: true,
    // Wait this long for a lock held by another process (the CLI, a backup) instead of failing.
    timeout: 5000,
    prepareDatabase: (db: { pragma(source: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      // FULL: a commit is on disk before the API answers, as the contract promises.
      db.pragma('synchronous = FULL');
    },
  };
}

function postgresOptions(url: string): DataSourceOptions {
  storeTimestampsAsUtc();
  return {
    type: 'postgres',
    url,
    entities,
    migrations: migrationsOf('postgres'),
    synchronize: false,
    // Writes and replays of one process; the log's listener has a connection of its own.
    poolSize: 10,
    // A PostgreSQL that does not answer fails a start, or a request, instead of hanging it.
    connectTimeoutMS: 10_000,
  };
}

/**
 * Dates are `timestamp` columns (the type TypeORM gives a Date on PostgreSQL, as `datetime` on
 * SQLite). By default node-postgres writes and reads them in the process's own time zone, so
 * two servers in different zones would disagree; both ways in UTC, every process agrees.
 */
function storeTimestampsAsUtc(): void {
  pgDefaults.parseInputDatesAsUTC = true;
  pgTypes.setTypeParser(
    pgTypes.builtins.TIMESTAMP,
    (text) => new Date(`${text.replace(' ', 'T')}Z`),
  );
}
