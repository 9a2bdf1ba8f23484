import { Coalescer } from './coalescer';

describe(Coalescer.name, () => {
  describe('take', () => {
    it('should give the latest value noted for each key', () => {
      const coalescer = new Coalescer<number, number>();
      coalescer.note(1, 10);
      coalescer.note(2, 20);
      coalescer.note(1, 11);

      expect([...coalescer.take()]).toEqual([
        [1, 11],
        [2, 20],
      ]);
    });

    it('should leave it empty: a second take gives nothing until something new is noted', () => {
      const coalescer = new Coalescer<string, number>();
      coalescer.note('blog', 3);

      expect(coalescer.take().size).toBe(1);
      expect(coalescer.take().size).toBe(0);
      coalescer.note('blog', 4);
      expect([...coalescer.take()]).toEqual([['blog', 4]]);
    });

    it('should give nothing when nothing was noted', () => {
      expect(new Coalescer<number, number>().take().size).toBe(0);
    });

    it('should turn many notes of one key between two takes into one entry', () => {
      const coalescer = new Coalescer<number, { readers: number }>();
      for (let readers = 1; readers <= 10_000; readers++) coalescer.note(7, { readers });
      coalescer.note(8, { readers: 1 });

      const taken = coalescer.take();
      expect(taken.size).toBe(2);
      expect(taken.get(7)).toEqual({ readers: 10_000 });
    });

    it('should not change what was taken when notes go on', () => {
      const coalescer = new Coalescer<number, number>();
      coalescer.note(1, 1);
      const taken = coalescer.take();
      coalescer.note(1, 2);

      expect([...taken]).toEqual([[1, 1]]);
    });
  });
});
