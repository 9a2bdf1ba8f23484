import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { AppConfig } from '../../src/config/app-config';
import { createApiToken, createBlog, createUser, signIn } from '../support/factories';
import { expectReaderToResetAfterRestore, runCli } from '../support/restore-scenario';
import { ApiWriter } from '../support/sse-client';
import { dropTestDatabases, TestApp, TestAppPool } from '../support/test-app';
import { createTestPostgres, type TestPostgres } from '../support/test-services';

const run = promisify(execFile);

/**
 * A PostgreSQL deployment restored as docs/backups.md says: `pg_dump` while the server runs,
 * `pg_restore` into a new database, then start on it; the restored database's new oid gives it
 * a new epoch by itself (`npm run db:new-epoch` still may).
 */
describe('Backups: restoring a PostgreSQL dump', () => {
  const pool = new TestAppPool();
  const restoredDatabases: TestPostgres[] = [];

  afterAll(async () => {
    await pool.closeAll();
    await dropTestDatabases();
    for (const database of restoredDatabases) await database.drop();
  });

  const dumpOf = async (testApp: TestApp, dumpFile: string) => {
    const url = testApp.app.get(AppConfig).DATABASE_URL!;
    await run('pg_dump', ['--format=custom', `--file=${dumpFile}`, url]);
  };

  /** `pg_restore` of the dump into a new database; answers its URL. */
  const restoreDump = async (dumpFile: string): Promise<string> => {
    const restored = await createTestPostgres();
    restoredDatabases.push(restored);
    await run('pg_restore', ['--no-owner', `--dbname=${restored.url}`, dumpFile]);
    return restored.url;
  };

  const epochOf = async (testApp: TestApp, slug: string): Promise<string> =>
    (await request(testApp.url).get(`/api/blogs/${slug}/posts`).expect(200)).body.epoch as string;

  it('should make a reader of the restored database reset, without npm run db:new-epoch', async () => {
    const dumpFile = join(pool.dataDir(), 'liveblog.dump');
    await expectReaderToResetAfterRestore(pool, {
      backUp: (testApp) => dumpOf(testApp, dumpFile),
      restore: async () => ({ DATABASE_URL: await restoreDump(dumpFile) }),
    });
  });

  it('should give each restore of the same dump its own epoch, also one renewed by npm run db:new-epoch', async () => {
    const dumpFile = join(pool.dataDir(), 'liveblog.dump');
    let testApp = await pool.start();
    const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
    const { slug } = await createBlog(testApp, token);
    const writer = new ApiWriter(testApp, token);
    await writer.publish(slug, 'Kick-off');
    writer.close();
    const dumped = await epochOf(testApp, slug);
    await dumpOf(testApp, dumpFile);
    await pool.close(testApp);

    const [first, second] = [await restoreDump(dumpFile), await restoreDump(dumpFile)];
    const renewed = await runCli('new-epoch', [], { DATABASE_URL: second });
    expect(renewed).toMatchObject({ code: 0, stderr: '' });
    const renewedEpoch = /New epoch (\S+) written to PostgreSQL database/.exec(renewed.stdout)?.[1];

    const served: string[] = [];
    for (const url of [first, second, first]) {
      testApp = await pool.start({ DATABASE_URL: url });
      served.push(await epochOf(testApp, slug));
      await pool.close(testApp);
    }
    expect(served[0]).toMatch(/^[\w-]{16}$/);
    expect(served[0]).not.toBe(dumped);
    // db:new-epoch's epoch is the restored database's own: its start keeps it.
    expect(served[1]).toBe(renewedEpoch);
    expect(served[1]).not.toBe(dumped);
    // A restart on a restored database keeps the epoch it got.
    expect(served[2]).toBe(served[0]);
  });
});
