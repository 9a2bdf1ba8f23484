import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';

/** The one database configuration, shared by the app and the TypeORM CLI (ormconfig.ts). */
export function dataSourceOptions(databasePath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: databasePath,
    // Every feature's entities by file name, so the database knows no feature folder.
    entities: [join(__dirname, '..', '**', '*.entity.{ts,js}')],
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
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
