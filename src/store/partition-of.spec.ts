import fc from 'fast-check';
import { partitionOf } from './partition-of';

/** fmix32(FNV-1a 32 of the bytes), computed apart from this code (Python, 64-bit integers). */
const FMIXED_EMPTY = 0xab3e7c0b;
const FMIXED_A = 0x1a80b1b3;
const FMIXED_FOOBAR = 0x0c0da6dc;
const FMIXED_E_ACUTE = 0x8e4756c7;

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

  it('is FNV-1a of the UTF-8 bytes finished by fmix32, modulo the count (pinned, for producers in other languages)', () => {
    // FNV-1a 32 of "" is 0x811c9dc5, of "a" 0xe40c292c, of "foobar" 0xbf9cf968; fmix32 of those
    // (MurmurHash3's finisher, computed independently with 64-bit integers in Python).
    expect(partitionOf('', 1 << 30)).toBe(FMIXED_EMPTY % (1 << 30));
    expect(partitionOf('a', 1000)).toBe(FMIXED_A % 1000);
    expect(partitionOf('foobar', 1024)).toBe(FMIXED_FOOBAR % 1024);
    // UTF-8, not UTF-16: "é" is the two bytes c3 a9 (FNV-1a 0x1e9de8c1).
    expect(partitionOf('é', 997)).toBe(FMIXED_E_ACUTE % 997);
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
