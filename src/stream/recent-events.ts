/** Events kept per blog, and their bytes: a reconnect storm resumes a few hundred behind. */
const MAX_EVENTS = 1024;
const MAX_BYTES = 2 * 1024 * 1024;
/** Bytes kept for all blogs together: the blogs written to longest ago give theirs up first. */
const MAX_TOTAL_BYTES = 16 * 1024 * 1024;

export interface JoinedEvents {
  /** Id of the newest event in `chunks`; the cursor itself when there is none. */
  lastId: number;
  /** The events' chunks one after another, oldest first. */
  chunks: Buffer;
}

interface BlogTail {
  ids: number[];
  chunks: Buffer[];
  bytes: number;
  /** Every event of the blog newer than this id is held here. */
  coversAfter: number;
}

/**
 * The newest events of each blog as ready chunks, from the bus. Readers that come back a
 * little behind (a laptop waking, every browser at once after a restart of the server or
 * of a proxy) are replayed from here without a query and without encoding anything again;
 * readers further behind are replayed from the log.
 */
export class RecentEvents {
  /** In the order blogs were last written to, oldest first. */
  private readonly tails = new Map<number, BlogTail>();
  private totalBytes = 0;
  /** The last joinedAfter answer, until the next event: one at most, whatever the blogs. */
  private lastJoined?: JoinedEvents & { blogId: number; afterId: number };

  /** @param startedAfter the newest event of the log at start: later events come by add(). */
  constructor(private readonly startedAfter: number) {}

  add(blogId: number, id: number, chunk: Buffer): void {
    this.lastJoined = undefined;
    const tail = this.tails.get(blogId) ?? {
      ids: [],
      chunks: [],
      bytes: 0,
      coversAfter: this.startedAfter,
    };
    this.tails.delete(blogId);
    this.tails.set(blogId, tail);
    tail.ids.push(id);
    tail.chunks.push(chunk);
    tail.bytes += chunk.length;
    this.totalBytes += chunk.length;
    while (tail.ids.length > MAX_EVENTS || tail.bytes > MAX_BYTES) this.dropOldest(tail);
    for (const other of this.tails.values()) {
      if (this.totalBytes <= MAX_TOTAL_BYTES) break;
      while (other.ids.length > 0 && this.totalBytes > MAX_TOTAL_BYTES) this.dropOldest(other);
    }
  }

  private dropOldest(tail: BlogTail): void {
    tail.coversAfter = tail.ids.shift()!;
    const bytes = tail.chunks.shift()!.length;
    tail.bytes -= bytes;
    this.totalBytes -= bytes;
  }

  /**
   * The blog's events newer than `afterId`, oldest first, when all of them are held here and
   * they add up to at most `maxBytes`; otherwise undefined (replay from the log).
   */
  after(
    blogId: number,
    afterId: number,
    maxBytes: number,
  ): { ids: number[]; chunks: Buffer[] } | undefined {
    const tail = this.tails.get(blogId);
    const coversAfter = tail?.coversAfter ?? this.startedAfter;
    if (afterId < coversAfter) return undefined;
    if (!tail) return { ids: [], chunks: [] };
    const start = firstAbove(tail.ids, afterId);
    const chunks = tail.chunks.slice(start);
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    return bytes <= maxBytes ? { ids: tail.ids.slice(start), chunks } : undefined;
  }

  /**
   * The same events as after(), joined into one buffer for one write. Readers that resume
   * from the same event (every browser of a blog after a restart) share one buffer, built
   * once per event published.
   */
  joinedAfter(blogId: number, afterId: number, maxBytes: number): JoinedEvents | undefined {
    const cached = this.lastJoined;
    if (cached?.blogId === blogId && cached.afterId === afterId) return cached;
    const recent = this.after(blogId, afterId, maxBytes);
    if (!recent) return undefined;
    this.lastJoined = {
      blogId,
      afterId,
      lastId: recent.ids.at(-1) ?? afterId,
      chunks: Buffer.concat(recent.chunks),
    };
    return this.lastJoined;
  }
}

/** Index of the first id above `afterId` in ascending `ids` (binary search). */
function firstAbove(ids: number[], afterId: number): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ids[middle] <= afterId) low = middle + 1;
    else high = middle;
  }
  return low;
}
