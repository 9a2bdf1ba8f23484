import { busiest } from './busiest';

describe(busiest.name, () => {
  it('should give the entries with the largest values, largest first', () => {
    const values = new Map([
      [1, 5],
      [2, 40],
      [3, 1],
      [4, 12],
      [5, 33],
    ]);

    expect(busiest(values, 3)).toEqual([
      [2, 40],
      [5, 33],
      [4, 12],
    ]);
  });

  it('should give every entry, sorted, when there are fewer than asked', () => {
    const values = new Map([
      [7, 2],
      [8, 9],
    ]);

    expect(busiest(values, 10)).toEqual([
      [8, 9],
      [7, 2],
    ]);
  });

  it('should break ties by the smaller key, whatever the order of the map', () => {
    const forwards = new Map([
      [3, 4],
      [1, 4],
      [2, 4],
      [9, 1],
    ]);
    const backwards = new Map([...forwards].reverse());

    expect(busiest(forwards, 2)).toEqual([
      [1, 4],
      [2, 4],
    ]);
    expect(busiest(backwards, 2)).toEqual(busiest(forwards, 2));
  });

  it('should agree with a full sort on many values', () => {
    const values = new Map<number, number>();
    let seed = 7;
    for (let key = 1; key <= 500; key++) {
      seed = (seed * 48271) % 2147483647;
      values.set(key, seed % 50);
    }
    const sorted = [...values].sort(([keyA, a], [keyB, b]) => b - a || keyA - keyB);

    expect(busiest(values, 10)).toEqual(sorted.slice(0, 10));
  });

  it('should give nothing for a count of zero or an empty map', () => {
    expect(busiest(new Map([[1, 1]]), 0)).toEqual([]);
    expect(busiest(new Map(), 5)).toEqual([]);
  });
});
