import type { ServerResponse } from 'node:http';

/** Frames published while a reader's replay runs; past this many, the replay just goes on. */
const MAX_HELD_FRAMES = 1000;

interface HeldFrame {
  id: number;
  frame: Buffer;
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
  private held: HeldFrame[] = [];
  private heldOverflowed = false;
  private closed = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly maxUnsentBytes: number,
  ) {}

  get isOpen(): boolean {
    return !this.closed;
  }

  /** A live event from the bus. */
  deliver(id: number, frame: Buffer): void {
    if (this.replaying) {
      if (this.held.length < MAX_HELD_FRAMES) this.held.push({ id, frame });
      else this.heldOverflowed = true;
    } else if (id > this.lastSentId) {
      this.lastSentId = id;
      this.write(frame);
    }
  }

  /** An ephemeral event (views, readers): only once live, never held back or replayed. */
  deliverEphemeral(frame: Buffer): void {
    if (!this.replaying) this.write(frame);
  }

  /** A durable event read from the log during replay. */
  replay(id: number, frame: Buffer): void {
    if (id <= this.lastSentId) return;
    this.lastSentId = id;
    this.write(frame);
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
    for (const { id, frame } of this.held) this.replay(id, frame);
    this.held = [];
    this.replaying = false;
    return true;
  }

  /** True while the response holds more unsent bytes than its high-water mark. */
  get backedUp(): boolean {
    return this.response.writableNeedDrain;
  }

  /** Resolves once the response has room again, or has closed. */
  drained(): Promise<void> {
    if (this.closed || !this.response.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  /**
   * Writes a frame, unless the reader has stopped reading: past the bound of unsent bytes the
   * connection is dropped, so one stuck reader cannot grow the server's memory. Its browser
   * reconnects and resumes from the log.
   */
  write(frame: Buffer): void {
    if (this.closed) return;
    if (this.response.writableLength > this.maxUnsentBytes) {
      this.response.destroy();
      this.close();
      return;
    }
    this.response.write(frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.held = [];
    if (!this.response.writableEnded) this.response.end();
  }
}
