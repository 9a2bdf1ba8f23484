import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppConfig } from '../../src/config/app-config';
import { expectReaderToResetAfterRestore, runCli } from '../support/restore-scenario';
import { dropTestDatabases, TestAppPool } from '../support/test-app';
import { createTestPostgres, type TestPostgres } from '../support/test-services';

const run = promisify(execFile);

/**
 * A PostgreSQL deployment restored as docs/backups.md says: `pg_dump` while the server runs,
 * `pg_restore` into a new database, `npm run db:new-epoch` on it, then start on it.
 */
describe('Backups: restoring a PostgreSQL dump', () => {
  const pool = new TestAppPool();
  const restoredDatabases: TestPostgres[] = [];

  afterAll(async () => {
    await pool.closeAll();
    await dropTestDatabases();
    for (const database of restoredDatabases) await database.drop();
  });

  it('should make a reader of the restored database reset instead of missing the entries published again', async () => {
    const dumpFile = join(pool.dataDir(), 'liveblog.dump');
    await expectReaderToResetAfterRestore(pool, {
      backUp: async (testApp) => {
        const url = testApp.app.get(AppConfig).DATABASE_URL!;
        await run('pg_dump', ['--format=custom', `--file=${dumpFile}`, url]);
      },
      restore: async () => {
        const restored = await createTestPostgres();
        restoredDatabases.push(restored);
        await run('pg_restore', ['--no-owner', `--dbname=${restored.url}`, dumpFile]);
        const renewed = await runCli('new-epoch', [], { DATABASE_URL: restored.url });
        expect(renewed).toMatchObject({ code: 0, stderr: '' });
        expect(renewed.stdout).toContain(`written to PostgreSQL database ${restored.name}`);
        return { DATABASE_URL: restored.url };
      },
    });
  });
});
