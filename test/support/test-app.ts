import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { createApp } from '../../src/http-app';
import {
  createTestPostgres,
  emptyRedis,
  onPostgres,
  type TestPostgres,
  workerRedisUrl,
} from './test-services';

export interface TestApp {
  app: NestExpressApplication;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  databasePath: string;
  database: DataSource;
  close(): Promise<void>;
}

/** A fresh folder for one test's SQLite file. */
export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'liveblog-test-'));
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The PostgreSQL database of each data folder (test:cluster), so a restart finds its data. */
const postgresOfDataDir = new Map<string, TestPostgres>();

/** Drops the databases of the data folders; test:cluster runs it after each file's tests. */
export async function dropTestDatabases(): Promise<void> {
  const databases = [...postgresOfDataDir.values()];
  postgresOfDataDir.clear();
  for (const database of databases) await database.drop();
}

/**
 * Where the app keeps its data: the SQLite file in the folder, or under test:cluster a
 * PostgreSQL database of the folder's own and a freshly emptied Redis.
 */
async function storageOf(dataDir: string): Promise<Record<string, string>> {
  if (!onPostgres) return { DATABASE_PATH: join(dataDir, 'liveblog.sqlite') };
  const redisUrl = workerRedisUrl();
  let database = postgresOfDataDir.get(dataDir);
  if (!database) {
    database = await createTestPostgres();
    postgresOfDataDir.set(dataDir, database);
    await emptyRedis(redisUrl);
  }
  return { DATABASE_URL: database.url, REDIS_URL: redisUrl };
}

/**
 * The real app listening on a free loopback port: on a real SQLite file in `dataDir`, or under
 * test:cluster on PostgreSQL and Redis.
 */
export async function startTestApp(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = loadConfig({
    ...(await storageOf(dataDir)),
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(config.PORT, config.HOST);
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    databasePath: config.DATABASE_PATH,
    database: app.get(DataSource),
    close: () => app.close(),
  };
}

/** The apps of a describe, each on a data folder of its own; closeAll() closes and removes them. */
export class TestAppPool {
  private readonly dataDirs: string[] = [];
  private readonly apps: TestApp[] = [];

  /** A fresh data folder, removed by closeAll(). */
  dataDir(): string {
    const dataDir = makeDataDir();
    this.dataDirs.push(dataDir);
    return dataDir;
  }

  /** An app on a fresh data folder. */
  start(env: Record<string, string> = {}): Promise<TestApp> {
    return this.startIn(this.dataDir(), env);
  }

  /** An app on this data folder: a restart, once the app before it is closed. */
  async startIn(dataDir: string, env: Record<string, string> = {}): Promise<TestApp> {
    const testApp = await startTestApp(dataDir, env);
    this.apps.push(testApp);
    return testApp;
  }

  /** Closes one app early (before a restart), so closeAll does not close it again. */
  async close(testApp: TestApp): Promise<void> {
    this.apps.splice(this.apps.indexOf(testApp), 1);
    await testApp.close();
  }

  async closeAll(): Promise<void> {
    for (const testApp of this.apps.splice(0)) await testApp.close();
    for (const dir of this.dataDirs.splice(0)) removeDataDir(dir);
  }
}
