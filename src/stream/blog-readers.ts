import type { StreamBacklog } from '../metrics/metrics.service';
import { FanOut } from './fan-out';
import type { ReaderConnection } from './reader-connection';
import type { ReaderTally } from './reader-counts';

/**
 * The registry of open streams, by blog, and the way to write to them: to one blog's readers
 * or to all, through one FanOut so that each reader gets frames in the order they were sent.
 */
export class BlogReaders {
  private readonly byBlog = new Map<number, Set<ReaderConnection>>();
  private readonly fanOut = new FanOut();

  constructor(private readonly counts: ReaderTally) {}

  add(blogId: number, reader: ReaderConnection): void {
    let readers = this.byBlog.get(blogId);
    if (!readers) this.byBlog.set(blogId, (readers = new Set()));
    readers.add(reader);
    this.counts.note(blogId, readers.size);
  }

  remove(blogId: number, reader: ReaderConnection): void {
    const readers = this.byBlog.get(blogId);
    if (!readers?.delete(reader)) return;
    this.counts.note(blogId, readers.size);
    if (readers.size === 0) this.byBlog.delete(blogId);
  }

  /** How many streams are open, on one blog or on all. */
  count(blogId?: number): number {
    if (blogId !== undefined) return this.byBlog.get(blogId)?.size ?? 0;
    let total = 0;
    for (const readers of this.byBlog.values()) total += readers.size;
    return total;
  }

  /** How many streams are open on each blog that has any. */
  countsByBlog(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const [blogId, readers] of this.byBlog) counts.set(blogId, readers.size);
    return counts;
  }

  /** What the open streams hold unsent, read from every one of them: for a scrape, not per event. */
  backlog(): StreamBacklog {
    const backlog: StreamBacklog = { slowReaders: 0, unsentBytes: 0, mostUnsentBytes: 0 };
    for (const readers of this.byBlog.values()) {
      for (const reader of readers) {
        const unsent = reader.unsentBytes;
        if (reader.backedUp) backlog.slowReaders++;
        backlog.unsentBytes += unsent;
        backlog.mostUnsentBytes = Math.max(backlog.mostUnsentBytes, unsent);
      }
    }
    return backlog;
  }

  /**
   * Queues `send` for each reader of the blog; readers who join before their turn get it too.
   * `done` is called after the last one, if the blog has readers.
   */
  sendToBlog(blogId: number, send: (reader: ReaderConnection) => void, done?: () => void): void {
    const readers = this.byBlog.get(blogId);
    if (readers) this.fanOut.push(readers, send, done);
  }

  sendToAll(send: (reader: ReaderConnection) => void): void {
    for (const readers of this.byBlog.values()) this.fanOut.push(readers, send);
  }

  /** Ends every stream and forgets them all (the server is stopping). */
  closeAll(): void {
    for (const readers of this.byBlog.values()) {
      for (const reader of readers) reader.close('shutdown');
    }
    this.byBlog.clear();
  }
}
