import { FanOut } from './fan-out';
import type { ReaderConnection } from './reader-connection';

const reader = (name: number) => ({ name }) as unknown as ReaderConnection;
const until = (check: () => boolean) =>
  new Promise<void>((resolve) => {
    const poll = () => (check() ? resolve() : setImmediate(poll));
    poll();
  });

describe('FanOut', () => {
  it('should give every reader every job, in the order the jobs came', async () => {
    const readers = new Set(Array.from({ length: 50_000 }, (_, i) => reader(i)));
    const seen = new Map<ReaderConnection, number[]>();
    const fanOut = new FanOut();
    for (let job = 1; job <= 3; job++) {
      fanOut.push(readers, (r) => seen.set(r, [...(seen.get(r) ?? []), job]));
    }
    await until(() => [...readers].every((r) => seen.get(r)?.length === 3));

    expect([...seen.values()].every((jobs) => jobs.join() === '1,2,3')).toBe(true);
  });

  it('should let other work run between slices rather than hold the loop for the whole set', async () => {
    let calls = 0;
    const readers = new Set(Array.from({ length: 50_000 }, (_, i) => reader(i)));
    const fanOut = new FanOut();
    fanOut.push(readers, () => {
      // A few microseconds of work per reader, like a socket write.
      const until = process.hrtime.bigint() + 2_000n;
      while (process.hrtime.bigint() < until) calls += 0;
      calls++;
    });
    const doneWhenOtherWorkRan = await new Promise<number>((resolve) =>
      setImmediate(() => resolve(calls)),
    );

    expect(doneWhenOtherWorkRan).toBeGreaterThan(0);
    expect(doneWhenOtherWorkRan).toBeLessThan(readers.size);
    await until(() => calls === readers.size);
  });

  it('should tell each job when its last reader has had its turn, in order', async () => {
    const readers = new Set(Array.from({ length: 50_000 }, (_, i) => reader(i)));
    let written = 0;
    const done: Array<[job: number, written: number]> = [];
    const fanOut = new FanOut();
    for (let job = 1; job <= 2; job++) {
      fanOut.push(
        readers,
        () => written++,
        () => done.push([job, written]),
      );
    }
    await until(() => done.length === 2);

    expect(done).toEqual([
      [1, readers.size],
      [2, 2 * readers.size],
    ]);
  });

  it('should skip readers that left before their turn and include those that joined', async () => {
    const a = reader(1);
    const b = reader(2);
    const c = reader(3);
    const readers = new Set([a, b]);
    const seen: ReaderConnection[] = [];
    new FanOut().push(readers, (r) => seen.push(r));
    readers.delete(b);
    readers.add(c);
    await until(() => seen.length === 2);

    expect(seen).toEqual([a, c]);
  });
});
