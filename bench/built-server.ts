/**
 * The built server (as `npm start` runs it) on a temp SQLite file, on a free loopback port,
 * with an admin and an API token: what the page benchmarks (photos, embed) measure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './fanout/targets';

export const ADMIN = { email: 'bench@example.test', password: 'bench password' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface BuiltServer {
  base: string;
  pid: number;
  /** The server's process: with `ipc`, its channel for a preloaded probe's messages. */
  child: ChildProcess;
  /** The API token's Authorization header. */
  auth: { Authorization: string };
  /** A JSON API call with the token; throws on anything but 2xx. */
  call: <T>(method: string, path: string, body?: unknown) => Promise<T>;
  stop: () => Promise<void>;
}

export interface BuiltServerOptions {
  /** Node's own flags before the app, e.g. `--expose-gc` or `-r` a preload. */
  nodeArgs?: string[];
  /** Opens an IPC channel to the server process (`child.send`, `process.send` in a preload). */
  ipc?: boolean;
}

export async function startBuiltServer(
  env: Record<string, string> = {},
  options: BuiltServerOptions = {},
): Promise<BuiltServer> {
  const dir = mkdtempSync(join(tmpdir(), 'liveblog-bench-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = spawn(process.execPath, [...(options.nodeArgs ?? []), 'dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'db.sqlite'),
      LOG_LEVEL: 'warn',
      API_WRITE_RATE_LIMIT: '1000000',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit', ...(options.ipc ? ['ipc' as const] : [])],
  });
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  const stop = async () => {
    server.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    while (
      !(await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error('server not ready');
      await sleep(100);
    }
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Origin: base },
      body: JSON.stringify(ADMIN),
    });
    const session = String(login.headers.get('set-cookie')).split(';')[0];
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const made = await fetch(`${base}/api/tokens`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Cookie: session,
        'X-CSRF-Token': csrfToken,
        Origin: base,
      },
      body: JSON.stringify({ name: 'bench' }),
    });
    const auth = { Authorization: `Bearer ${((await made.json()) as { secret: string }).secret}` };
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const answer = await fetch(`${base}${path}`, {
        method,
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!answer.ok) throw new Error(`${method} ${path}: ${answer.status} ${await answer.text()}`);
      return (await answer.json()) as T;
    };
    return { base, pid: server.pid!, child: server, auth, call, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Prints rows as a Markdown table, the first row its head. */
export function table(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  rows.forEach((row, index) => {
    console.log(`| ${row.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`);
    if (index === 0) console.log(`|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`);
  });
  console.log();
}
