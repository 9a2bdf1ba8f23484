import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);
const BIN = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL server of one test's own, in a temp folder on a free port, that the test may
 * stop and start: the shared server of the other tests is never touched. Its programs refuse
 * to run as root, so they run as the `postgres` user, which owns the folder.
 */
export interface PrivatePostgres {
  /** The test's database on it. */
  url: string;
  /** Stops the server as an operator would (`pg_ctl stop -m fast`: sessions are ended). */
  stop(): Promise<void>;
  /** Starts it again, on the same port and data. */
  start(): Promise<void>;
  /** Stops it if it runs, and removes its folder. */
  remove(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function asPostgres(program: string, args: string[]): Promise<void> {
  await run('runuser', ['-u', 'postgres', '--', join(BIN, program), ...args]);
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const folder = mkdtempSync(join(tmpdir(), 'liveblog-postgres-'));
  const { uid, gid } = await userIds('postgres');
  chownSync(folder, uid, gid);
  const data = join(folder, 'data');
  const port = await freePort();
  // fsync off: a test's data need not survive a power cut, and the shared machine is slow.
  const options = `-p ${port} -k ${folder} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () =>
    asPostgres('pg_ctl', ['start', '-w', '-D', data, '-l', join(folder, 'log'), '-o', options]);
  const stop = () => asPostgres('pg_ctl', ['stop', '-w', '-m', 'fast', '-D', data]);
  let running = false;
  try {
    await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await start();
    running = true;
    const server = new Client({
      connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`,
    });
    await server.connect();
    await server.query('CREATE DATABASE liveblog');
    await server.end();
  } catch (error) {
    if (running) await stop().catch(() => undefined);
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/liveblog`,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async remove() {
      if (running) await stop().catch(() => undefined);
      running = false;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}
