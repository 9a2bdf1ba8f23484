import Database from 'better-sqlite3';
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sessionSecretPath } from '../src/config/session-secret';
import { secretCopyPath } from '../src/database/sqlite-backup';
import { createApiToken, createBlog, createUser, signIn } from './support/factories';
import {
  expectReaderToResetAfterRestore,
  type PageStream,
  pageStreamUrl,
  readPageStream,
  runCli,
} from './support/restore-scenario';
import { ApiWriter, EventSourceReader } from './support/sse-client';
import { TestApp, TestAppPool } from './support/test-app';

/** A setting of a SQLite file, read without the app. */
function settingIn(databasePath: string, name: string): string | undefined {
  const database = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const row = database.prepare('SELECT "value" FROM "settings" WHERE "name" = ?').get(name) as
      { value: string } | undefined;
    return row?.value;
  } finally {
    database.close();
  }
}

/** `npm run backup -- <args>` on the app's database. */
const backUp = (testApp: TestApp, ...args: string[]) =>
  runCli('backup', args, { DATABASE_PATH: testApp.databasePath });

describe('Backups: npm run backup (SQLite)', () => {
  const pool = new TestAppPool();

  afterEach(() => pool.closeAll());

  it('should make a reader of a restored copy reset instead of missing the entries published again', async () => {
    let backupFile = '';
    await expectReaderToResetAfterRestore(pool, {
      backUp: async (testApp) => {
        backupFile = join(pool.dataDir(), 'backup.sqlite');
        const run = await backUp(testApp, backupFile);
        expect(run).toMatchObject({ code: 0, stderr: '' });
      },
      restore: (testApp) => {
        // As docs/backups.md says: the database and its -wal and -shm go, the copy and the
        // secret come in their place.
        for (const suffix of ['', '-wal', '-shm'])
          rmSync(testApp.databasePath + suffix, { force: true });
        copyFileSync(backupFile, testApp.databasePath);
        copyFileSync(secretCopyPath(backupFile), sessionSecretPath(testApp.databasePath));
        return Promise.resolve({});
      },
    });
  });

  it('should copy the database without its epoch, and the session secret beside it', async () => {
    const testApp = await pool.start();
    const { slug, token } = await blogOf(testApp);
    await new ApiWriter(testApp, token).publish(slug, 'Before the backup');
    const backupFile = join(pool.dataDir(), 'nightly.sqlite');

    const run = await backUp(testApp, backupFile);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`to ${backupFile}`);
    expect(run.stdout).toContain(`Session secret copied to ${backupFile}.secret`);
    // Each restore of the copy makes its own at its first start.
    expect(settingIn(backupFile, 'epoch')).toBeUndefined();
    expect(run.stdout).toContain('new epoch');
    expect(readFileSync(`${backupFile}.secret`, 'utf8')).toBe(
      readFileSync(sessionSecretPath(testApp.databasePath), 'utf8'),
    );
    expect(statSync(`${backupFile}.secret`).mode & 0o777).toBe(0o600);
    // One self-contained file, nothing left beside it.
    expect(existsSync(`${backupFile}-wal`)).toBe(false);
    expect(existsSync(`${backupFile}.partial`)).toBe(false);
  });

  it('should take a consistent copy while entries are being published', async () => {
    const testApp = await pool.start({ API_WRITE_RATE_LIMIT: '10000' });
    const { slug, token } = await blogOf(testApp);
    const writer = new ApiWriter(testApp, token);
    await writer.publishMany(slug, 200, { concurrency: 4 });
    const backupFile = join(pool.dataDir(), 'busy.sqlite');

    const [run] = await Promise.all([
      backUp(testApp, backupFile),
      writer.publishMany(slug, 300, { concurrency: 4 }),
    ]);
    writer.close();

    expect(run.code).toBe(0);
    const copy = new Database(backupFile, { readonly: true });
    try {
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
      const entries = copy.prepare('SELECT "id" FROM "posts"').all() as Array<{ id: number }>;
      const logged = copy
        .prepare(`SELECT DISTINCT "postId" FROM "events" WHERE "type" = 'post'`)
        .all() as Array<{ postId: number }>;
      expect(entries.length).toBeGreaterThanOrEqual(200);
      // Every entry of the copy has its event, and no event is there without its entry.
      expect(logged.map((row) => row.postId).sort()).toEqual(entries.map((row) => row.id).sort());
    } finally {
      copy.close();
    }
  });

  describe('refusals', () => {
    // One app for these: each refusal leaves its database as it was.
    const refusalsPool = new TestAppPool();
    let testApp: TestApp;
    let folder: string;

    beforeAll(async () => {
      testApp = await refusalsPool.start();
      folder = refusalsPool.dataDir();
    });

    afterAll(() => refusalsPool.closeAll());

    it.each([
      [[], /^No backup file given\nUsage: npm run backup -- <file> \[--overwrite\]/],
      [['a.sqlite', 'b.sqlite'], /^Give one backup file\n/],
      [['--force', 'a.sqlite'], /^Unknown option --force\n/],
    ])('should refuse the arguments %p with a clear message', async (args, message) => {
      const run = await backUp(testApp, ...args);

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });

    it('should refuse to overwrite a file, unless told to', async () => {
      const backupFile = join(folder, 'taken.sqlite');
      writeFileSync(backupFile, 'my precious');

      const refused = await backUp(testApp, backupFile);

      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe(`${backupFile} already exists; give --overwrite to replace it\n`);
      expect(readFileSync(backupFile, 'utf8')).toBe('my precious');
      const overwritten = await backUp(testApp, backupFile, '--overwrite');
      expect(overwritten.code).toBe(0);
      expect(settingIn(backupFile, 'epoch')).toBeUndefined();
    });

    it('should refuse a folder that does not exist', async () => {
      const run = await backUp(testApp, join(folder, 'missing', 'b.sqlite'));

      expect(run).toMatchObject({
        code: 1,
        stderr: `The folder ${join(folder, 'missing')} does not exist\n`,
      });
    });

    it('should print the PostgreSQL recipe instead when DATABASE_URL is set', async () => {
      const run = await runCli('backup', ['b.sqlite'], {
        DATABASE_URL: 'postgres://liveblog:secret-password@db.example/liveblog',
      });

      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^DATABASE_URL is set/);
      expect(run.stderr).toContain('pg_dump --format=custom');
      expect(run.stderr).toContain('npm run db:new-epoch');
      expect(run.stderr).not.toContain('secret-password');
    });
  });

  it('should give each restore of the same copy its own epoch, so its readers reset each time', async () => {
    const dataDir = pool.dataDir();
    let testApp = await pool.startIn(dataDir);
    const port = new URL(testApp.url).port;
    const { slug, token } = await blogOf(testApp);
    await new ApiWriter(testApp, token).publish(slug, 'Kick-off');
    const backupFile = join(pool.dataDir(), 'copy.sqlite');
    expect((await backUp(testApp, backupFile)).code).toBe(0);
    const readers: EventSourceReader[] = [];
    /** What a page loaded before the restore gets first when it follows the restored blog. */
    const firstMessageOf = async (page: PageStream) => {
      const reader = new EventSourceReader(pageStreamUrl(testApp, page));
      readers.push(reader);
      await reader.waitFor((seen) => seen.messages.length > 0, 'the first event');
      return reader.messages[0];
    };
    /** As docs/backups.md says, from the same copy every time; the backup file stays as it is. */
    const restoreTheCopy = async () => {
      await pool.close(testApp);
      for (const suffix of ['', '-wal', '-shm'])
        rmSync(testApp.databasePath + suffix, { force: true });
      copyFileSync(backupFile, testApp.databasePath);
      testApp = await pool.startIn(dataDir, { PORT: port });
    };
    try {
      const beforeRestores = await readPageStream(testApp, slug);
      await restoreTheCopy();
      const firstRestore = await readPageStream(testApp, slug);
      expect(firstRestore.epoch).not.toBe(beforeRestores.epoch);
      expect((await firstMessageOf(beforeRestores)).type).toBe('reset');
      const writer = new ApiWriter(testApp, token);
      const published = await writer.publish(slug, 'After the first restore');
      writer.close();
      const onFirstRestore = await readPageStream(testApp, slug);

      await restoreTheCopy();
      const againWriter = new ApiWriter(testApp, token);
      const again = [
        await againWriter.publish(slug, 'After the second restore 1'),
        await againWriter.publish(slug, 'After the second restore 2'),
      ];
      againWriter.close();
      // The same ids once more, for other entries.
      expect(again[0].eventId).toBe(published.eventId);

      const secondRestore = await readPageStream(testApp, slug);
      expect(secondRestore.epoch).toMatch(/^[\w-]{16}$/);
      expect(secondRestore.epoch).not.toBe(firstRestore.epoch);
      const first = await firstMessageOf(onFirstRestore);
      expect(first.type).toBe('reset');
      expect(JSON.parse(first.data)).toMatchObject({ epoch: secondRestore.epoch });
    } finally {
      for (const reader of readers) reader.close();
    }
  });

  it('should give the database a new epoch with npm run db:new-epoch, which the next start serves', async () => {
    const dataDir = pool.dataDir();
    let testApp = await pool.startIn(dataDir);
    const { slug } = await blogOf(testApp);
    const epoch = (await readPageStream(testApp, slug)).epoch;
    await pool.close(testApp);

    const run = await runCli('new-epoch', [], { DATABASE_PATH: testApp.databasePath });

    expect(run.code).toBe(0);
    const renewed = settingIn(testApp.databasePath, 'epoch');
    expect(run.stdout).toContain(`New epoch ${renewed} written to ${testApp.databasePath}`);
    expect(renewed).not.toBe(epoch);
    testApp = await pool.startIn(dataDir);
    expect((await readPageStream(testApp, slug)).epoch).toBe(renewed);
  });
});

async function blogOf(testApp: TestApp): Promise<{ slug: string; token: string }> {
  const token = await createApiToken(await signIn(testApp, await createUser(testApp)));
  return { slug: (await createBlog(testApp, token)).slug, token };
}
