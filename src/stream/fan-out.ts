import { performance } from 'node:perf_hooks';
import type { ReaderConnection } from './reader-connection';

/** How long one slice of writes may hold the event loop. */
const SLICE_MS = 1;
/** Readers written between two looks at the clock. */
const CLOCK_EVERY = 64;

interface Job {
  readers: Iterator<ReaderConnection>;
  send: (reader: ReaderConnection) => void;
  done?: () => void;
}

/**
 * Writes a frame to every reader of a blog in slices of a millisecond, one job
 * after another, so each reader still gets frames in publish order. Between slices the
 * server answers other requests: a publish waits for a slice, not for a fan-out to tens of
 * thousands of sockets (~100 ms at 15,000 readers).
 */
export class FanOut {
  private readonly jobs: Job[] = [];
  private scheduled = false;

  /**
   * Queues `send` for each reader of the set. The set is read as the job runs: a reader that
   * leaves before its turn is skipped, one that joins meanwhile is included: it ignores an
   * event it already has, by id; an ephemeral figure may reach it a moment out of date.
   * `done` is called once the last reader has had its turn.
   */
  push(
    readers: Set<ReaderConnection>,
    send: (reader: ReaderConnection) => void,
    done?: () => void,
  ): void {
    this.jobs.push({ readers: readers.values(), send, done });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    const deadline = performance.now() + SLICE_MS;
    let written = 0;
    while (this.jobs.length > 0) {
      const job = this.jobs[0];
      for (let next = job.readers.next(); !next.done; next = job.readers.next()) {
        job.send(next.value);
        if (++written % CLOCK_EVERY === 0 && performance.now() >= deadline) {
          this.schedule();
          return;
        }
      }
      this.jobs.shift();
      job.done?.();
    }
  };
}
