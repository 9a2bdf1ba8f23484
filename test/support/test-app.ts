import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config/app-config';
import { createApp } from '../../src/http-app';

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

/** The real app on a real SQLite file, listening on a free loopback port. */
export async function startTestApp(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_PATH: join(dataDir, 'liveblog.sqlite'),
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
