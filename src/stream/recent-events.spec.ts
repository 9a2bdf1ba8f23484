import { RecentEvents } from './recent-events';

const chunk = (id: number, size = 10) => Buffer.alloc(size, id % 256);

describe('RecentEvents', () => {
  it('should serve what came after the start, and send earlier cursors to the log', () => {
    const recent = new RecentEvents(100);
    recent.add(1, 101, chunk(101));
    recent.add(2, 102, chunk(102));
    recent.add(1, 103, chunk(103));

    expect(recent.after(1, 100, Infinity)?.ids).toEqual([101, 103]);
    expect(recent.after(1, 101, Infinity)?.ids).toEqual([103]);
    expect(recent.after(1, 103, Infinity)?.ids).toEqual([]);
    expect(recent.after(2, 100, Infinity)?.ids).toEqual([102]);
    expect(recent.after(3, 100, Infinity)?.ids).toEqual([]);
    expect(recent.after(1, 99, Infinity)).toBeUndefined();
    expect(recent.after(3, 50, Infinity)).toBeUndefined();
  });

  it('should forget the oldest events past its bound, and no longer cover cursors before them', () => {
    const recent = new RecentEvents(0);
    for (let id = 1; id <= 1100; id++) recent.add(1, id, chunk(id));

    expect(recent.after(1, 75, Infinity)).toBeUndefined();
    expect(recent.after(1, 76, Infinity)?.ids).toHaveLength(1024);
    expect(recent.after(1, 1000, Infinity)?.ids[0]).toBe(1001);
  });

  it('should leave a replay larger than the given bytes to the log', () => {
    const recent = new RecentEvents(0);
    for (let id = 1; id <= 10; id++) recent.add(1, id, chunk(id, 100));

    expect(recent.after(1, 0, 999)).toBeUndefined();
    expect(recent.after(1, 0, 1000)?.chunks.map((c) => c[0])).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
  });
});

describe('RecentEvents joined for one write', () => {
  it('should join the events after a cursor, and give readers at the same cursor one buffer', () => {
    const recent = new RecentEvents(100);
    recent.add(1, 101, chunk(101, 3));
    recent.add(2, 102, chunk(102, 3));
    recent.add(1, 103, chunk(103, 2));

    const joined = recent.joinedAfter(1, 100, Infinity);
    expect(joined).toMatchObject({ lastId: 103, chunks: Buffer.from([101, 101, 101, 103, 103]) });
    expect(recent.joinedAfter(1, 100, Infinity)).toBe(joined);
    expect(recent.joinedAfter(1, 101, Infinity)).toMatchObject({
      lastId: 103,
      chunks: Buffer.from([103, 103]),
    });
    expect(recent.joinedAfter(1, 103, Infinity)).toMatchObject({
      lastId: 103,
      chunks: Buffer.alloc(0),
    });
    expect(recent.joinedAfter(1, 99, Infinity)).toBeUndefined();
    expect(recent.joinedAfter(1, 100, 4)).toBeUndefined();
  });

  it('should include an event published after a reader got the joined events before it', () => {
    const recent = new RecentEvents(0);
    recent.add(1, 1, chunk(1, 1));
    expect(recent.joinedAfter(1, 0, Infinity)?.lastId).toBe(1);

    recent.add(1, 2, chunk(2, 1));

    expect(recent.joinedAfter(1, 0, Infinity)).toMatchObject({
      lastId: 2,
      chunks: Buffer.from([1, 2]),
    });
  });
});

describe('RecentEvents across blogs', () => {
  it('should keep at most 16 MiB in all, taking from the blogs written to longest ago', () => {
    const recent = new RecentEvents(0);
    const big = 1024 * 1024;
    let id = 0;
    for (let blog = 1; blog <= 9; blog++) {
      recent.add(blog, ++id, chunk(id, big));
      recent.add(blog, ++id, chunk(id, big));
    }

    expect(recent.after(1, 0, Infinity)).toBeUndefined();
    expect(recent.after(1, 2, Infinity)?.ids).toEqual([]);
    expect(recent.after(2, 2, Infinity)?.ids).toEqual([3, 4]);
    expect(recent.after(9, 16, Infinity)?.ids).toEqual([17, 18]);
  });
});
