import type { DataSource } from 'typeorm';

/** The advisory lock key the processes of one PostgreSQL database migrate under ("LBMIGRAT"). */
const MIGRATIONS_LOCK = 0x4c424d49_47524154n;

/**
 * Runs the pending migrations, so an upgrade is `git pull && npm start`. On PostgreSQL several
 * processes may start at once: each waits for a session advisory lock, and the first to get
 * it migrates; the others then find nothing pending. (SQLite has one process.)
 */
export async function runPendingMigrations(dataSource: DataSource): Promise<void> {
  if (dataSource.options.type !== 'postgres') {
    await dataSource.runMigrations();
    return;
  }
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATIONS_LOCK.toString()]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    // Closing the session would release it too; unlocking lets the next process go at once.
    await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATIONS_LOCK.toString()]);
    await lockHolder.release();
  }
}
