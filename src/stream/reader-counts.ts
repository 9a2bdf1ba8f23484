import type { EventBus } from '../event-log/event-bus';
import { readersNow } from '../event-log/events';
import { Coalescer } from './coalescer';

/** Readers-now figures go out at most this often per blog. */
export const PUBLISH_EVERY_MS = 1000;

/**
 * How many read each blog along, as BlogReaders and StreamService need it: counted in this
 * process (ReaderCounts), or summed over every process (SharedReaderCounts).
 */
export interface ReaderTally {
  /** The blog now has `readers` open streams on this process. */
  note(blogId: number, readers: number): void;
  start(): void;
  stop(): void;
  /** How many read the blog now, `here` of them on this process: what a new reader is told. */
  total(blogId: number, here: number): number;
}

/**
 * How many streams are open on each blog, published on the bus as `readers` figures: at most
 * once a second per blog, only for blogs whose count changed, however many readers come and go.
 */
export class ReaderCounts implements ReaderTally {
  private readonly changed = new Coalescer<number, number>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly eventBus: EventBus) {}

  note(blogId: number, readers: number): void {
    this.changed.note(blogId, readers);
  }

  start(): void {
    this.timer = setInterval(() => this.publish(), PUBLISH_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  total(_blogId: number, here: number): number {
    return here;
  }

  private publish(): void {
    for (const [blogId, readers] of this.changed.take()) {
      this.eventBus.publishFigures(readersNow(blogId, readers));
    }
  }
}
