import { resolve } from 'node:path';
import { InvalidConfigError, loadConfig } from '../config/app-config';
import { backUpSqlite, BackupRefusedError } from '../database/sqlite-backup';

/**
 * `npm run backup -- <file> [--overwrite]`: a consistent copy of the SQLite database while the
 * server runs, without its epoch (each restore gets a new one), and the session secret beside it (docs/backups.md). With
 * DATABASE_URL it prints PostgreSQL's recipe instead.
 */

const USAGE = 'Usage: npm run backup -- <file> [--overwrite]';

const POSTGRES_RECIPE = `DATABASE_URL is set: back up PostgreSQL with its own tools (see docs/backups.md).
  Back up, while the servers run:
    pg_dump --format=custom --file=liveblog.dump "$DATABASE_URL"
  Restore: stop every process, then into a new, empty database:
    createdb liveblog_restored
    pg_restore --no-owner --dbname=postgres://…/liveblog_restored liveblog.dump
  and start the processes with that DATABASE_URL: the restored database gets a new epoch at
  its first start. Restored over the same database (pg_restore --clean) instead, run
  npm run db:new-epoch on it before starting.`;

async function main(args: string[]): Promise<number> {
  const overwrite = args.includes('--overwrite');
  const unknown = args.filter((arg) => arg.startsWith('-') && arg !== '--overwrite');
  const files = args.filter((arg) => !arg.startsWith('-'));
  if (unknown.length > 0) return refuse(`Unknown option ${unknown[0]}\n${USAGE}`);
  if (files.length !== 1) {
    return refuse(
      `${files.length === 0 ? 'No backup file given' : 'Give one backup file'}\n${USAGE}`,
    );
  }
  const config = loadConfig(process.env, { signsSessions: false });
  if (config.DATABASE_URL) return refuse(POSTGRES_RECIPE);
  const target = resolve(files[0]);
  const { secretCopy } = await backUpSqlite(config.DATABASE_PATH, target, { overwrite });
  console.log(`Backed up ${config.DATABASE_PATH} to ${target}`);
  console.log(
    secretCopy
      ? `Session secret copied to ${secretCopy}`
      : 'No session secret file to copy (SESSION_SECRET is given, or the server never started)',
  );
  console.log(
    'To restore: stop the server, delete the database and its -wal and -shm files, put a copy ' +
      'of the backup in its place and the .secret file beside it as liveblog.secret, start the ' +
      'server. It gives the restored database a new epoch, so open pages reload their entries.',
  );
  return 0;
}

function refuse(message: string): number {
  console.error(message);
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    const known = error instanceof InvalidConfigError || error instanceof BackupRefusedError;
    console.error(known ? error.message : error);
    process.exitCode = 1;
  },
);
