const DAY_MS = 24 * 60 * 60 * 1000;
/** A generation is retired early once this full, so lookups stay short. */
const MAX_LOAD = 0.75;

/** FNV-1a, 32 bits, with a seed: two seeds give a fingerprint and an independent slot. */
function fnv1a(text: string, seed: number): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** murmur3's finalizer: spreads FNV's output so similar ids do not crowd neighbouring slots. */
function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * Which readers have seen which entries, for at least 24 hours, in a fixed amount of memory:
 * two generations of open-addressed tables of 32-bit fingerprints of (reader, entry). A pair is
 * remembered while it is in the current or the previous generation; a generation lasts a day,
 * or less when it fills up under extreme load (then pairs are remembered a little shorter,
 * never the memory bigger). A fingerprint collision makes a first view look seen: a
 * one-in-four-billion undercount, never an inflation.
 */
export class SeenViews {
  private current: Uint32Array;
  private previous: Uint32Array;
  private used = 0;
  private startedAt: number;

  constructor(
    private readonly slots = 1 << 22,
    private readonly generationMs = DAY_MS,
    private readonly now: () => number = Date.now,
  ) {
    if (slots & (slots - 1)) throw new Error('slots must be a power of two');
    this.current = new Uint32Array(slots);
    this.previous = new Uint32Array(slots);
    this.startedAt = now();
  }

  /** Bytes held, whatever the number of readers. */
  get byteLength(): number {
    return this.current.byteLength + this.previous.byteLength;
  }

  /** True the first time this reader is seen viewing this entry; false after that. */
  firstView(readerId: string, postId: number): boolean {
    if (this.now() - this.startedAt >= this.generationMs || this.used >= this.slots * MAX_LOAD) {
      this.rotate();
    }
    const key = `${readerId}\u0000${postId}`;
    const fingerprint = fnv1a(key, 0x811c9dc5) || 1;
    const start = mix(fnv1a(key, 0x9747b28c));
    if (this.find(this.previous, fingerprint, start) >= 0) return false;
    const mask = this.slots - 1;
    for (let i = 0; i < this.slots; i++) {
      const slot = (start + i) & mask;
      const held = this.current[slot];
      if (held === fingerprint) return false;
      if (held === 0) {
        this.current[slot] = fingerprint;
        this.used += 1;
        return true;
      }
    }
    return false;
  }

  /** The entries among `postIds` this reader views for the first time. */
  firstViews(readerId: string, postIds: number[]): number[] {
    return postIds.filter((postId) => this.firstView(readerId, postId));
  }

  private find(table: Uint32Array, fingerprint: number, start: number): number {
    const mask = this.slots - 1;
    for (let i = 0; i < this.slots; i++) {
      const slot = (start + i) & mask;
      if (table[slot] === fingerprint) return slot;
      if (table[slot] === 0) return -1;
    }
    return -1;
  }

  private rotate(): void {
    const recycled = this.previous;
    this.previous = this.current;
    this.current = recycled.fill(0);
    this.used = 0;
    this.startedAt = this.now();
  }
}
