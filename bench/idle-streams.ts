/**
 * Memory of the server with idle readers: starts the built server (as `npm start` would) on a
 * temp SQLite file, opens N streams on one blog from this process over loopback, and prints the
 * server's resident memory with none and with N open, as a table.
 *
 *   npm run build && npx ts-node bench/idle-streams.ts [N=1000]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GC_QUIET_MS, GC_SETTLE_MS, settledRss } from './fanout/process-usage';

const READERS = Number(process.argv[2] ?? 1000);
const ADMIN = { email: 'bench@example.test', password: 'bench password' };

/** RSS once V8 has given back its garbage (of starting up, of opening the streams). */
async function settle(pid: number): Promise<number> {
  return (await settledRss(() => [pid], GC_SETTLE_MS, { quietMs: GC_QUIET_MS })).bytes;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'liveblog-bench-'));
  const server = spawn(process.execPath, ['dist/src/main.js'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: join(dir, 'db.sqlite'),
      LOG_LEVEL: 'info',
      // Every stream comes from one loopback address here.
      SSE_MAX_PER_ADDRESS: '1000000',
      ADMIN_EMAIL: ADMIN.email,
      ADMIN_PASSWORD: ADMIN.password,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /serving on (http:\/\/[^\s"]+)/.exec(output);
        if (match) resolve(match[1].replace('localhost', '127.0.0.1'));
      });
      server.on('exit', () => reject(new Error('server exited')));
    });
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ADMIN),
    });
    const { csrfToken } = (await login.json()) as { csrfToken: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0];
    await fetch(`${url}/api/blogs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ title: 'Bench', slug: 'bench' }),
    });

    const idle = await settle(server.pid!);
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const requests: http.ClientRequest[] = [];
    await Promise.all(
      Array.from(
        { length: READERS },
        () =>
          new Promise<void>((resolve, reject) => {
            const request = http.get(`${url}/blogs/bench/events`, { agent }, (response) => {
              response.once('data', () => resolve());
            });
            request.on('error', reject);
            requests.push(request);
          }),
      ),
    );
    const open = await settle(server.pid!);
    const rows = [
      ['streams', 'server RSS (MiB)', 'per stream (KiB)'],
      ['0', (idle / 2 ** 20).toFixed(1), '-'],
      [String(READERS), (open / 2 ** 20).toFixed(1), ((open - idle) / READERS / 1024).toFixed(1)],
    ];
    for (const row of rows) console.log(row.map((cell) => cell.padStart(18)).join(' |'));
    for (const request of requests) request.destroy();
    agent.destroy();
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
