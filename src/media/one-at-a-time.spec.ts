import { UnavailableError } from '../errors/domain-errors';
import { OneAtATime } from './one-at-a-time';

describe('OneAtATime', () => {
  it('should run work in turn and refuse more than it lets wait', async () => {
    const queue = new OneAtATime(2, 'Busy');
    const order: string[] = [];
    let finishFirst!: () => void;
    const first = queue.run(
      () => new Promise<void>((resolve) => (finishFirst = () => (order.push('first'), resolve()))),
    );
    await Promise.resolve();
    const waiting = [
      queue.run(() => Promise.resolve(order.push('second'))),
      queue.run(() => Promise.resolve(order.push('third'))),
    ];

    await expect(queue.run(() => Promise.resolve(order.push('refused')))).rejects.toThrow(
      UnavailableError,
    );
    finishFirst();
    await Promise.all([first, ...waiting]);

    expect(order).toEqual(['first', 'second', 'third']);
    await expect(queue.run(() => Promise.resolve('again'))).resolves.toBe('again');
  });

  it('should go on after a piece of work fails', async () => {
    const queue = new OneAtATime(2, 'Busy');
    const failed = queue.run(() => Promise.reject(new Error('broken image')));
    const next = queue.run(() => Promise.resolve('next'));
    await expect(failed).rejects.toThrow('broken image');
    await expect(next).resolves.toBe('next');
  });
});
