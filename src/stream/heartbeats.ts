/**
 * When streams get their comment lines (at least one every SSE_HEARTBEAT_MS keeps proxies and
 * NATs from closing an idle stream). One timer for every stream, not one per reader, ticking
 * twice a period; streams with events need few of its writes, since a comment line rides
 * along with an event to a reader whose comment is due.
 */
export class Heartbeats {
  /**
   * A reader gets a comment line once its last one is this old: with an event or at the next
   * tick. 0.4 periods, a tenth short of a tick, so that a tick's late fan-out does not make a
   * reader wait for the tick after: at most 0.9 periods pass between two comment lines, plus
   * the time a tick takes to reach every reader.
   */
  private readonly commentAfterMs: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly periodMs: number) {
    this.commentAfterMs = periodMs * 0.4;
  }

  /** Readers whose last comment line went out before this (ms since the epoch) get one now. */
  dueBefore(): number {
    return Date.now() - this.commentAfterMs;
  }

  /** Calls `beat` with dueBefore() at each tick, until stop(). */
  start(beat: (commentIfBefore: number) => void): void {
    this.timer = setInterval(() => beat(this.dueBefore()), this.periodMs / 2);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
