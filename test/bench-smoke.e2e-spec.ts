import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDataDir, removeDataDir } from './support/test-app';

const ROOT = join(__dirname, '..');

/** Runs `npm run bench -- --smoke` without its build (npm test built dist first). */
function runSmokeBench(out: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      join(ROOT, 'bench', 'fanout', 'main.ts'),
      '--smoke',
      '--out',
      out,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('The fan-out benchmark (smoke run)', () => {
  let dir: string;

  beforeEach(() => {
    dir = makeDataDir();
  });

  afterEach(() => {
    removeDataDir(dir);
  });

  it('should deliver every entry to each of 1,000 readers of the built server exactly once', async () => {
    const out = join(dir, 'smoke.json');
    const { code, output } = await runSmokeBench(out);

    expect({ code, output }).toMatchObject({ code: 0 });
    const result = JSON.parse(readFileSync(out, 'utf8'));
    expect(result.skipped).toEqual([]);
    expect(result.rows).toHaveLength(1);
    const [row] = result.rows;
    expect(row).toMatchObject({
      target: 'liveblog',
      readers: 1000,
      opened: 1000,
      lost: 0,
      duplicated: 0,
      unexpected: 0,
      closedEarly: 0,
    });
    expect(row.delivered).toBe(row.readers * row.events);
    // The server's own publish times, read from its request log, are in the row too.
    expect(row.serverPublishMs).toEqual({
      p50: expect.any(Number),
      p99: expect.any(Number),
      max: expect.any(Number),
    });
  }, 60_000);
});
