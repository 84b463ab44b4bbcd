import fc from 'fast-check';
import { partitionOf } from './partition-of';

describe('partitionOf', () => {
  it('is 0 for one partition', () => {
    fc.assert(fc.property(fc.string(), (id) => partitionOf(id, 1) === 0));
  });

  it('is a whole number in 0 .. count - 1, the same each time', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.integer({ min: 1, max: 1024 }), (id, n) => {
        const p = partitionOf(id, n);
        expect(Number.isInteger(p) && p >= 0 && p < n).toBe(true);
        expect(partitionOf(id, n)).toBe(p);
      }),
    );
  });

  it('is FNV-1a of the UTF-8 bytes, modulo the count (pinned, for producers in other languages)', () => {
    // FNV-1a 32 of "" is 0x811c9dc5, of "a" 0xe40c292c, of "foobar" 0xbf9cf968.
    expect(partitionOf('', 1 << 30)).toBe(0x811c9dc5 % (1 << 30));
    expect(partitionOf('a', 1000)).toBe(0xe40c292c % 1000);
    expect(partitionOf('foobar', 1024)).toBe(0xbf9cf968 % 1024);
    // UTF-8, not UTF-16: "é" is the two bytes c3 a9.
    const bytes = [0xc3, 0xa9].reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, 0x811c9dc5);
    expect(partitionOf('é', 997)).toBe(bytes % 997);
  });

  it('spreads sequential and random IDs roughly evenly', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 64 }),
        fc.oneof(
          fc.constant((i: number) => String(1_000_000_000_000 + i)),
          fc.constant((i: number) => `task-${i}`),
          fc.string({ minLength: 4 }).map((seed) => (i: number) => `${seed}:${i}`),
        ),
        (count, idOf) => {
          const per = 500;
          const tally = new Array<number>(count).fill(0);
          for (let i = 0; i < count * per; i++) tally[partitionOf(idOf(i), count)] += 1;
          // Binomial spread around 500 has a standard deviation of about 22; 40 % off is far out.
          for (const n of tally) expect(Math.abs(n - per)).toBeLessThan(per * 0.4);
        },
      ),
      { numRuns: 30 },
    );
  });
});
