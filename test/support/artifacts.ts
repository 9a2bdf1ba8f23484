import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Where tests leave what a run produced (reports, screenshots); not committed. */
export const ARTIFACTS_DIR = join(__dirname, '..', 'artifacts');

/** A lock older than this was left by a worker that died holding it. */
const STALE_LOCK_MS = 10_000;

/**
 * Rewrites one JSON report of test/artifacts/ with `update`. Several specs report into the
 * same file from parallel Jest workers: the read and the write are one step under a lock,
 * so no spec's part is lost to another's write.
 */
export function updateArtifact(
  name: string,
  update: (current: Record<string, any>) => Record<string, unknown>,
): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const path = join(ARTIFACTS_DIR, name);
  const lock = `${path}.lock`;
  acquire(lock);
  try {
    const current = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as object) : {};
    const temporary = `${path}.${process.pid}`;
    writeFileSync(temporary, `${JSON.stringify(update(current), null, 2)}\n`);
    renameSync(temporary, path);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  return path;
}

/** Takes the lock (a directory: making one is atomic), waiting for another holder. */
function acquire(lock: string): void {
  for (;;) {
    try {
      mkdirSync(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    try {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { recursive: true });
    } catch {
      // Released meanwhile.
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
}
