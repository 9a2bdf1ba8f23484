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
