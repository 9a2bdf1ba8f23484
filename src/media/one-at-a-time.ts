import { UnavailableError } from '../errors/domain-errors';

/**
 * Runs work one piece after another, with at most `maxWaiting` pieces waiting: each waiting
 * upload holds its file in memory, so past that the next is refused rather than queued.
 */
export class OneAtATime {
  private last: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  constructor(
    private readonly maxWaiting: number,
    private readonly busyMessage: string,
  ) {}

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.waiting >= this.maxWaiting) {
      return Promise.reject(new UnavailableError(this.busyMessage));
    }
    this.waiting += 1;
    const turn = this.last.then(() => {
      this.waiting -= 1;
      return work();
    });
    this.last = turn.catch(() => undefined);
    return turn;
  }
}
