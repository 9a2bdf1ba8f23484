import { DataSource } from 'typeorm';
import { InvalidConfigError, loadConfig } from '../config/app-config';
import { renewEpoch } from '../database/database-epoch';
import { dataSourceOptions } from '../database/data-source-options';
import { runPendingMigrations } from '../database/migrations';

/**
 * `npm run db:new-epoch`: gives the configured database (SQLite or PostgreSQL) a new epoch, so
 * that readers of the database it replaces reset instead of resuming at ids that now mean
 * other entries. A restore into a new database gets one by itself at its first start; this is
 * for a PostgreSQL dump restored over the same database, before starting (docs/backups.md).
 */
async function main(): Promise<void> {
  const config = loadConfig(process.env, { signsSessions: false });
  const dataSource = await new DataSource(dataSourceOptions(config)).initialize();
  try {
    // A dump of an older version may not have the settings table yet.
    await runPendingMigrations(dataSource);
    const epoch = await renewEpoch(dataSource.manager);
    // The database's name, never its URL: that may hold a password.
    const database = config.DATABASE_URL
      ? `PostgreSQL database ${new URL(config.DATABASE_URL).pathname.slice(1)}`
      : config.DATABASE_PATH;
    console.log(`New epoch ${epoch} written to ${database}; start the server on it now`);
  } finally {
    await dataSource.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof InvalidConfigError ? error.message : error);
  process.exitCode = 1;
});
