import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SeenViews } from './seen-views';

const DAY_MS = 24 * 60 * 60 * 1000;
const MIB = 1024 * 1024;

/**
 * Reader ids as the cookie holds them: 16 random bytes in base64url (22 characters). Drawn
 * from a seeded generator (mulberry32), so every run checks the same ids.
 */
function readerIds(count: number, seed = 1): string[] {
  let state = seed >>> 0;
  const nextWord = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const bytes = Buffer.alloc(count * 16);
  for (let offset = 0; offset < bytes.length; offset += 4) bytes.writeUInt32LE(nextWord(), offset);
  return Array.from({ length: count }, (_, i) => bytes.toString('base64url', i * 16, i * 16 + 16));
}

/**
 * Runs a million first views in a fresh Node process and reports what the store holds. Not in
 * Jest's sandbox: there every global lookup (Math.imul, per character hashed) goes through the
 * sandbox's interceptors, some 20 times slower, and Jest's own heap would blur the reading.
 */
function measureMillionReaders(): {
  byteLength: number;
  grownBytes: number;
  firsts: number;
  repeatsSeen: number;
} {
  const script = `
    const { randomBytes } = require('node:crypto');
    const { SeenViews } = require(${JSON.stringify(join(__dirname, 'seen-views.ts'))});
    const count = 1000000;
    const bytes = randomBytes(count * 16);
    const readers = Array.from({ length: count }, (_, i) =>
      bytes.toString('base64url', i * 16, i * 16 + 16));
    const held = () => {
      global.gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const before = held();
    const seen = new SeenViews();
    let firsts = 0;
    for (const reader of readers) if (seen.firstView(reader, 42)) firsts += 1;
    const grownBytes = held() - before;
    const repeatsSeen = readers.slice(0, 1000).filter((reader) => !seen.firstView(reader, 42)).length;
    process.stdout.write(JSON.stringify({ byteLength: seen.byteLength, grownBytes, firsts, repeatsSeen }));
  `;
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', '--require', 'ts-node/register/transpile-only', '--eval', script],
    { cwd: join(__dirname, '..', '..'), encoding: 'utf8', timeout: 30_000 },
  );
  return JSON.parse(output) as ReturnType<typeof measureMillionReaders>;
}

describe(SeenViews.name, () => {
  const [alice, bob] = readerIds(2);

  describe('firstView', () => {
    it('should be true the first time a reader views an entry, false after that', () => {
      const seen = new SeenViews(1 << 10);

      expect(seen.firstView(alice, 12)).toBe(true);
      expect(seen.firstView(alice, 12)).toBe(false);
      expect(seen.firstView(alice, 12)).toBe(false);
    });

    it('should be true for another entry of the same reader and for another reader of the same entry', () => {
      const seen = new SeenViews(1 << 10);
      seen.firstView(alice, 12);

      expect(seen.firstView(alice, 13)).toBe(true);
      expect(seen.firstView(bob, 12)).toBe(true);
      expect(seen.firstView(alice, 13)).toBe(false);
      expect(seen.firstView(bob, 12)).toBe(false);
    });

    it('should not mix up a reader and an entry whose texts run together', () => {
      const seen = new SeenViews(1 << 10);
      seen.firstView('reader1', 23);

      expect(seen.firstView('reader12', 3)).toBe(true);
    });

    it('should refuse a table size that is not a power of two', () => {
      expect(() => new SeenViews(1000)).toThrow(/power of two/);
    });
  });

  describe('generations', () => {
    it('should remember a view across one rotation (24 h) and forget it after two', () => {
      let now = 1_000_000;
      const seen = new SeenViews(1 << 10, DAY_MS, () => now);
      expect(seen.firstView(alice, 1)).toBe(true);

      now += DAY_MS - 1;
      expect(seen.firstView(alice, 1)).toBe(false);
      now += 1; // a day after it was counted: the first rotation
      expect(seen.firstView(alice, 1)).toBe(false);
      now += DAY_MS - 1;
      expect(seen.firstView(alice, 1)).toBe(false);
      now += 1; // the second rotation
      expect(seen.firstView(alice, 1)).toBe(true);
    });

    it('should remember a view counted late in a generation for a day after that', () => {
      let now = 0;
      const seen = new SeenViews(1 << 10, DAY_MS, () => now);
      seen.firstView(alice, 1);
      now = DAY_MS - 1;
      expect(seen.firstView(bob, 1)).toBe(true);

      now = 2 * DAY_MS - 2; // rotated once, at DAY_MS
      expect(seen.firstView(bob, 1)).toBe(false);
    });

    it('should rotate once the current table is 75% full, before the day is over', () => {
      const slots = 1 << 10;
      const full = slots * 0.75;
      const seen = new SeenViews(slots, DAY_MS, () => 0);
      const [first, second] = [readerIds(full, 2), readerIds(full, 3)];
      for (const reader of first) expect(seen.firstView(reader, 1)).toBe(true);

      // The next call rotates: the full table becomes the previous one, still remembered.
      for (const reader of first) expect(seen.firstView(reader, 1)).toBe(false);
      // A second full table of other views rotates again: the first ones are forgotten.
      for (const reader of second) expect(seen.firstView(reader, 1)).toBe(true);
      expect(seen.firstView(first[0], 1)).toBe(true);
      expect(seen.firstView(second[0], 1)).toBe(false);
      expect(seen.byteLength).toBe(2 * slots * 4);
    });
  });

  describe('memory', () => {
    it('should hold 32 MiB, not more, with a million readers', () => {
      const { byteLength, grownBytes, firsts, repeatsSeen } = measureMillionReaders();

      expect(byteLength).toBe(32 * MIB);
      expect(grownBytes).toBeLessThan(48 * MIB);
      expect(firsts).toBe(1_000_000);
      expect(repeatsSeen).toBe(1000);
    });
  });
});
