import type { StreamCloseReason } from '../metrics/metrics.service';
import { SseResponse } from './sse-transport';
import { HEARTBEAT_CHUNK } from './stream-frames';

/** Frames published while a reader's replay runs; past this many, the replay just goes on. */
const MAX_HELD_FRAMES = 1000;

/**
 * A durable event as live readers get it: its chunk, shared by all of them, and for readers
 * whose heartbeat is due the same chunk followed by a comment line, so that a stream with
 * events needs no heartbeat writes of its own (one system call per reader and event, still).
 */
export class LiveFrame {
  private chunkWithComment?: Buffer;

  constructor(
    readonly id: number,
    readonly chunk: Buffer,
    /** Readers whose last comment line went out before this (ms since the epoch) get one. */
    readonly commentIfBefore: number,
  ) {}

  get withComment(): Buffer {
    return (this.chunkWithComment ??= Buffer.concat([this.chunk, HEARTBEAT_CHUNK]));
  }
}

/**
 * One reader's open stream. Until its replay from the log is done it holds live frames back;
 * then it writes each frame whose id is newer than the last one sent, so a frame is never
 * sent twice nor skipped. Kept small: there may be tens of thousands of these.
 */
export class ReaderConnection {
  /** Id of the newest durable event written to this reader. */
  lastSentId = 0;
  private replaying = true;
  private held: LiveFrame[] = [];
  private heldOverflowed = false;
  private closeReason?: StreamCloseReason;
  /** When the reader last got a comment line, or its stream opened (ms since the epoch). */
  private commentAt = Date.now();

  constructor(private readonly output: SseResponse) {}

  get isOpen(): boolean {
    return this.closeReason === undefined;
  }

  /** Why the stream ended, once it has: the reason its metric counts. */
  get closedFor(): StreamCloseReason | undefined {
    return this.closeReason;
  }

  /** A live event from the bus, with a comment line when one is due. */
  deliver(frame: LiveFrame): void {
    if (this.replaying) {
      if (this.held.length < MAX_HELD_FRAMES) this.held.push(frame);
      else this.heldOverflowed = true;
    } else if (frame.id > this.lastSentId) {
      this.lastSentId = frame.id;
      this.write(this.commentDue(frame.commentIfBefore) ? frame.withComment : frame.chunk);
    }
  }

  /** The heartbeat timer's turn: a comment line on its own, unless one went out lately. */
  heartbeat(commentIfBefore: number): void {
    if (this.commentDue(commentIfBefore)) this.write(HEARTBEAT_CHUNK);
  }

  private commentDue(commentIfBefore: number): boolean {
    if (this.commentAt >= commentIfBefore) return false;
    this.commentAt = Date.now();
    return true;
  }

  /** An ephemeral event (views, readers): only once live, never held back or replayed. */
  deliverEphemeral(chunk: Buffer): void {
    if (!this.replaying) this.write(chunk);
  }

  /** Durable events held in memory: consecutive chunks, the newest of them event `lastId`. */
  replayChunks(lastId: number, chunks: Buffer): void {
    if (lastId <= this.lastSentId) return;
    this.lastSentId = lastId;
    this.write(chunks);
  }

  /** A durable event read from the log during replay. */
  replay(id: number, chunk: Buffer): void {
    if (id <= this.lastSentId) return;
    this.lastSentId = id;
    this.write(chunk);
  }

  /**
   * Ends the replay: sends the held frames that the replay did not cover. False when some were
   * dropped (too many arrived meanwhile): the caller replays from the log once more.
   */
  goLive(): boolean {
    if (this.heldOverflowed) {
      this.held = [];
      this.heldOverflowed = false;
      return false;
    }
    for (const { id, chunk } of this.held) this.replay(id, chunk);
    this.held = [];
    this.replaying = false;
    return true;
  }

  /** True while the connection holds more unsent bytes than its high-water mark. */
  get backedUp(): boolean {
    return this.output.backedUp;
  }

  /** Bytes written to the connection and not yet sent. */
  get unsentBytes(): number {
    return this.output.unsentBytes;
  }

  /** Resolves once the connection has room again, or has closed. */
  drained(): Promise<void> {
    return this.isOpen ? this.output.drained() : Promise.resolve();
  }

  /** Holds writes back until uncork(), so several leave in one system call (a replay page). */
  cork(): void {
    this.output.cork();
  }

  uncork(): void {
    this.output.uncork();
  }

  /** Writes a chunk; a reader too far behind is dropped, and resumes from the log. */
  write(chunk: Buffer): void {
    if (this.isOpen && !this.output.write(chunk)) this.close('slow');
  }

  /** Ends the stream; the first reason given is the one that counts. */
  close(reason: StreamCloseReason): void {
    if (!this.isOpen) return;
    this.closeReason = reason;
    this.held = [];
    this.output.end();
  }
}
