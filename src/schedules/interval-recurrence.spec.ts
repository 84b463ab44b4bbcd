import fc from 'fast-check';
import { intervalRecurrence } from './interval-recurrence';

const ANCHOR = Date.UTC(2026, 0, 1);
const EVERY_2S = intervalRecurrence(ANCHOR, 2000);

describe('intervalRecurrence', () => {
  it.each([
    [ANCHOR - 5000, ANCHOR],
    [ANCHOR - 1, ANCHOR],
    [ANCHOR, ANCHOR + 2000],
    [ANCHOR + 1999, ANCHOR + 2000],
    [ANCHOR + 2000, ANCHOR + 4000],
  ])('firstAfter(%d) is %d', (instant, expected) => {
    expect(EVERY_2S.firstAfter(instant)).toBe(expected);
  });

  it.each([
    [ANCHOR - 1, undefined],
    [ANCHOR, ANCHOR],
    [ANCHOR + 1999, ANCHOR],
    [ANCHOR + 2000, ANCHOR + 2000],
  ])('lastAtOrBefore(%d) is %s', (instant, expected) => {
    expect(EVERY_2S.lastAtOrBefore(instant)).toBe(expected);
  });

  it('counts and lists the latest points in (after, atOrBefore]', () => {
    expect(EVERY_2S.pointsIn(ANCHOR - 3000, ANCHOR + 10_000, 3)).toEqual({
      count: 6, // the anchor, +2 … +10 s
      countIsExact: true,
      latest: [ANCHOR + 6000, ANCHOR + 8000, ANCHOR + 10_000],
    });
    expect(EVERY_2S.pointsIn(ANCHOR + 1, ANCHOR + 1999, 3)).toEqual({
      count: 0,
      countIsExact: true,
      latest: [],
    });
    expect(EVERY_2S.pointsIn(ANCHOR, ANCHOR + 4000, 0)).toEqual({
      count: 2,
      countIsExact: true,
      latest: [],
    });
  });

  it('counts a year of one-second points arithmetically', () => {
    const everySecond = intervalRecurrence(ANCHOR, 1000);
    expect(everySecond.pointsIn(ANCHOR, ANCHOR + 365 * 86_400_000, 1)).toEqual({
      count: 365 * 86_400,
      countIsExact: true,
      latest: [ANCHOR + 365 * 86_400_000],
    });
  });

  it('agrees with stepping (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 0, max: 2 ** 42 }),
        fc.integer({ min: 0, max: 30 }),
        (anchor, interval, from, steps) => {
          const r = intervalRecurrence(anchor, interval);
          const stepped: number[] = [];
          for (let p = r.firstAfter(from)!; stepped.length <= steps; p = r.firstAfter(p)!) {
            expect(r.lastAtOrBefore(p)).toBe(p);
            expect((p - anchor) % interval).toBe(0);
            stepped.push(p);
          }
          const until = stepped[stepped.length - 1];
          expect(r.pointsIn(from, until, 5).count).toBe(stepped.length);
          expect(r.pointsIn(from, until, 5).latest).toEqual(stepped.slice(-5));
        },
      ),
    );
  });
});
