/**
 * The database's size per 10,000 entries, with their events and without (docs/backups.md):
 * publishes 10,000 typical entries through the real app and its API, then measures; then
 * prunes every event but the newest as LOG_RETENTION_DAYS would, and measures again.
 *
 *   npx ts-node bench/log-size.ts                      # SQLite: the file, checkpointed
 *   npx ts-node bench/log-size.ts --database postgres  # PostgreSQL: pg_total_relation_size
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, MoreThan } from 'typeorm';
import { loadConfig } from '../src/config/app-config';
import { LogEvent } from '../src/event-log/log-event.entity';
import { LogRetention } from '../src/event-log/log-retention.service';
import { createApp } from '../src/http-app';
import { createTestPostgres } from '../test/support/test-services';
import { ApiWriter } from '../test/support/sse-client';

const ENTRIES = 10_000;
const ADMIN = { email: 'size@example.test', password: 'size bench password' };

/** A typical entry: a short paragraph or two of Markdown, with a link and some emphasis. */
function typicalEntry(index: number): string {
  return (
    `**${index % 90}'** A long ball over the top finds the striker, who takes one touch and ` +
    `shoots low across the keeper: it flicks the post and goes wide. The home crowd is up, ` +
    `the bench wants a corner, the referee gives a goal kick.\n\n` +
    `Possession so far 54–46; [all the numbers](https://stats.example.com/match/${index}).`
  );
}

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const onPostgres = process.argv.includes('--database') && process.argv.includes('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'liveblog-log-size-'));
  const postgres = onPostgres ? await createTestPostgres() : undefined;
  const databasePath = join(dir, 'liveblog.sqlite');
  const config = loadConfig({
    ...(postgres ? { DATABASE_URL: postgres.url } : { DATABASE_PATH: databasePath }),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    API_WRITE_RATE_LIMIT: '1000000',
    LOG_RETENTION_DAYS: '1',
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
  });
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const dataSource = app.get(DataSource);
  try {
    const token = await apiToken(url);
    const writer = new ApiWriter({ url }, token);
    const { blog } = (await writer.expect(201, 'POST', '/api/blogs', { title: 'Size' })) as {
      blog: { slug: string };
    };
    const started = Date.now();
    await writer.publishMany(blog.slug, ENTRIES, { concurrency: 8, body: typicalEntry });
    writer.close();
    console.log(`${ENTRIES} entries published in ${((Date.now() - started) / 1000).toFixed(0)} s`);

    const withEvents = await sizes(dataSource, databasePath, onPostgres);
    // Every event but the newest, as old as pruning wants them.
    await dataSource
      .getRepository(LogEvent)
      .update({ id: MoreThan(0) }, { createdAt: new Date(0) });
    const { batches } = await app.get(LogRetention).prune();
    const pruned = batches.reduce((sum, count) => sum + count, 0);
    const withoutEvents = await sizes(dataSource, databasePath, onPostgres);
    console.log(`database: ${onPostgres ? 'PostgreSQL' : 'SQLite'}`);
    console.log(`with their events: ${describe(withEvents)}`);
    console.log(`after pruning ${pruned} events: ${describe(withoutEvents)}`);
  } finally {
    await app.close();
    await postgres?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Sizes = Record<string, number>;

function describe(sizes: Sizes): string {
  return Object.entries(sizes)
    .map(([name, bytes]) => `${name} ${MB(bytes)}`)
    .join(', ');
}

/** SQLite: the file once checkpointed and vacuumed; PostgreSQL: the tables with indexes. */
async function sizes(dataSource: DataSource, databasePath: string, onPostgres: boolean) {
  if (onPostgres) {
    await dataSource.query('VACUUM FULL "events"');
    const [row] = await dataSource.query<Array<Record<string, string>>>(
      `SELECT pg_total_relation_size('posts') AS "posts", pg_total_relation_size('events') AS "events", pg_database_size(current_database()) AS "database"`,
    );
    return Object.fromEntries(Object.entries(row).map(([name, bytes]) => [name, Number(bytes)]));
  }
  await dataSource.query('VACUUM');
  await dataSource.query('PRAGMA wal_checkpoint(TRUNCATE)');
  const tables = await dataSource.query<Array<{ name: string; bytes: number }>>(
    `SELECT "name", SUM("pgsize") AS "bytes" FROM "dbstat" WHERE "name" IN ('posts', 'events') GROUP BY "name"`,
  );
  return {
    ...Object.fromEntries(tables.map(({ name, bytes }) => [name, bytes])),
    file: statSync(databasePath).size,
  };
}

async function apiToken(url: string): Promise<string> {
  const login = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: url },
    body: JSON.stringify(ADMIN),
  });
  const session = String(login.headers.get('set-cookie')).split(';')[0];
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const made = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Cookie: session,
      'X-CSRF-Token': csrfToken,
      Origin: url,
    },
    body: JSON.stringify({ name: 'size' }),
  });
  return ((await made.json()) as { secret: string }).secret;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
