import fc from 'fast-check';
import { firstGridPointAtOrAfter } from './grid';

const MINUTE = 60_000;
/** 2025-11-26T12:00:00Z */
const ANCHOR = Date.UTC(2025, 10, 26, 12);

describe('firstGridPointAtOrAfter', () => {
  it.each<[string, number, number]>([
    ['the anchor for a time before it', ANCHOR - 5 * MINUTE, ANCHOR],
    ['the anchor for the anchor itself', ANCHOR, ANCHOR],
    ['the next point one ms after the anchor', ANCHOR + 1, ANCHOR + MINUTE],
    ['a point for a time on the grid', ANCHOR + 3 * MINUTE, ANCHOR + 3 * MINUTE],
    ['the next point one ms after a point', ANCHOR + 3 * MINUTE + 1, ANCHOR + 4 * MINUTE],
    ['the next point one ms before it', ANCHOR + 4 * MINUTE - 1, ANCHOR + 4 * MINUTE],
  ])('gives %s', (_case, timeMs, expected) => {
    expect(firstGridPointAtOrAfter(ANCHOR, MINUTE, timeMs)).toBe(expected);
  });

  it('stays on a grid anchored years back with an odd interval', () => {
    const anchor = ANCHOR - 123_456_789_012; // 176,366,841 intervals and 312 ms back
    expect(firstGridPointAtOrAfter(anchor, 700, ANCHOR)).toBe(ANCHOR + 388);
    expect((ANCHOR + 388 - anchor) % 700).toBe(0);
  });

  it('gives anchor + interval for an interval longer than the time since the anchor', () => {
    expect(firstGridPointAtOrAfter(ANCHOR, 2 ** 52, ANCHOR + 1)).toBe(ANCHOR + 2 ** 52);
  });

  it('gives the smallest grid point at or after the time', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 44 }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.integer({ min: 0, max: 2 ** 44 }),
        (anchorMs, intervalMs, timeMs) => {
          const point = firstGridPointAtOrAfter(anchorMs, intervalMs, timeMs);
          expect((point - anchorMs) % intervalMs).toBe(0);
          expect(point).toBeGreaterThanOrEqual(Math.max(anchorMs, timeMs));
          // Smallest: the point before it is the anchor's predecessor or lies before the time.
          expect(point === anchorMs || point - intervalMs < timeMs).toBe(true);
        },
      ),
    );
  });
});
