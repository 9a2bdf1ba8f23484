/* global process */
// Preloaded into a server process (NODE_OPTIONS=--require) to run it on a machine whose clock
// is ahead by CLOCK_AHEAD_MS: Date.now() and new Date() are; timers are not.
const aheadMs = Number(process.env.CLOCK_AHEAD_MS);
const TrueDate = Date;

class DateAhead extends TrueDate {
  constructor(...args) {
    if (args.length === 0) super(TrueDate.now() + aheadMs);
    else super(...args);
  }

  static now() {
    return TrueDate.now() + aheadMs;
  }
}

globalThis.Date = DateAhead;
