import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DESCRIPTOR_SLACK } from '../bench/soak/server-figures';
import type { SoakResult } from '../bench/soak';
import { makeDataDir, removeDataDir } from './support/test-app';

const ROOT = join(__dirname, '..');
const SOAK_SECONDS = 60;
const READERS = 300;
const CHURN_PER_SECOND = 30;

/** `npm run bench:soak` for a minute at a small scale, without its build (npm test built it). */
function runShortSoak(out: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      join(ROOT, 'bench', 'soak.ts'),
      ...['--minutes', String(SOAK_SECONDS / 60), '--readers', String(READERS)],
      ...['--churn', String(CHURN_PER_SECOND), '--views', '20', '--sign-ins', '1'],
      ...['--warm-up', '15', '--sample-every', '10', '--out', out],
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('The soak (a one-minute run of the built server)', () => {
  let dir: string;
  let run: { code: number | null; output: string };
  let result: SoakResult;

  beforeAll(async () => {
    dir = makeDataDir();
    const out = join(dir, 'soak.json');
    run = await runShortSoak(out);
    if (!existsSync(out))
      throw new Error(`The soak wrote no result (exit ${run.code}):\n${run.output}`);
    result = JSON.parse(readFileSync(out, 'utf8')) as SoakResult;
  }, 300_000);

  afterAll(() => {
    removeDataDir(dir);
  });

  it('should finish and judge the run a pass', () => {
    expect({ code: run.code, passed: result.passed, output: run.output }).toMatchObject({
      code: 0,
      passed: true,
    });
  });

  it("should give every reader session exactly its blog's events across many resumes", () => {
    const { sessions } = result;
    expect(sessions).toMatchObject({
      violations: 0,
      missing: 0,
      duplicated: 0,
      unexpected: 0,
      resets: 0,
      openFailures: {},
    });
    // Every session opened was checked, and churning made several per reader.
    expect(sessions.checked).toBe(sessions.opened);
    expect(sessions.opened).toBeGreaterThan(2 * READERS);
    expect(sessions.checkedWithEvents).toBeGreaterThan(sessions.checked / 2);
    for (const kind of ['last-event-id', 'after', 'none'] as const) {
      expect(sessions.byCursor[kind]).toBeGreaterThan(0);
    }
    expect(sessions.delivered).toBeGreaterThan(sessions.checkedWithEvents);
  });

  it('should serve the writes, view reports and sign-ins without refusing one', () => {
    const { load } = result;
    expect(load.failures).toEqual({});
    expect(load.published).toBeGreaterThan(0);
    expect(load.edited).toBeGreaterThan(0);
    expect(load.deleted).toBeGreaterThan(0);
    expect(load.viewReports).toBeGreaterThan(0);
    expect(load.signIns).toBeGreaterThan(0);
    expect(load.signOuts).toBe(load.signIns);
  });

  it('should hold no more descriptors, timers or sockets at the end than at the start', () => {
    const start = result.samples[0];
    const end = result.samples.at(-1)!;
    // Under load, each open stream holds a descriptor of the server's: the probe sees them.
    for (const sample of result.samples.slice(1, -1)) {
      expect(sample.openReaders).toBeGreaterThan(0);
      expect(sample.descriptors).toBeGreaterThanOrEqual(start.descriptors + sample.openReaders);
    }
    expect(end.descriptors - start.descriptors).toBeLessThanOrEqual(DESCRIPTOR_SLACK);
    expect(end.timers).toBeLessThanOrEqual(start.timers);
    expect(end.resources.TCPSocketWrap ?? 0).toBe(0);
  });

  it('should end with the heap after a full collection within the noise of the start', () => {
    const { verdict } = result;
    expect(verdict.heapGrowthBytes).toBeLessThanOrEqual(verdict.heapAllowanceBytes);
    expect(verdict.heapHeld).toBe(true);
  });
});
