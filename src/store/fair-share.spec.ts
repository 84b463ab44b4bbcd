import fc from 'fast-check';
import { equalShares, spreadLimit } from './fair-share';

describe('equalShares', () => {
  it('splits evenly, the remainder going to the open partitions from start on', () => {
    expect(equalShares(10, [true, true, true, true], 0)).toEqual([3, 3, 2, 2]);
    expect(equalShares(10, [true, true, true, true], 2)).toEqual([2, 2, 3, 3]);
    expect(equalShares(10, [true, false, true, true], 3)).toEqual([3, 0, 3, 4]);
    expect(equalShares(2, [true, true, true, true], 3)).toEqual([1, 0, 0, 1]);
    expect(equalShares(5, [false, false], 0)).toEqual([0, 0]);
  });

  it('hands out exactly the limit over open partitions only', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 64 }),
        fc.nat(),
        (limit, open, start) => {
          const shares = equalShares(limit, open, start % open.length);
          const total = shares.reduce((a, b) => a + b, 0);
          expect(total).toBe(open.includes(true) ? limit : 0);
          shares.forEach((share, p) => {
            if (!open[p]) expect(share).toBe(0);
          });
          const given = shares.filter((_, p) => open[p]);
          if (given.length > 0)
            expect(Math.max(...given) - Math.min(...given)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

/**
 * Partitions holding `sizes` items: `take` takes up to the share asked, and `rounds` records the
 * shares asked in each round (a round's calls are made together, before any answer).
 */
function holding(sizes: readonly number[]) {
  const left = [...sizes];
  const rounds: number[][] = [];
  let current: number[] | undefined;
  const take = (p: number, share: number): Promise<number> => {
    if (!current) {
      const round = new Array<number>(sizes.length).fill(0);
      current = round;
      rounds.push(round);
      queueMicrotask(() => (current = undefined));
    }
    current[p] = share;
    const got = Math.min(share, left[p]);
    left[p] -= got;
    return Promise.resolve(got);
  };
  return { left, rounds, take };
}

describe('spreadLimit', () => {
  it('gives a small partition all its work in the first round, next to a busy one', async () => {
    const parts = holding([10_000, 10, 0, 3]);
    expect(await spreadLimit(100, 4, 0, parts.take)).toBe(100);
    expect(parts.rounds[0]).toEqual([25, 25, 25, 25]);
    expect(parts.left).toEqual([10_000 - 87, 0, 0, 0]);
  });

  it('hands the unused shares to the partitions that used theirs, in further rounds', async () => {
    const parts = holding([1000, 1000, 5, 0]);
    expect(await spreadLimit(100, 4, 0, parts.take)).toBe(100);
    // 25 each; partitions 2 and 3 leave 45 unused, split between 0 and 1 (the odd one from start).
    expect(parts.rounds).toEqual([
      [25, 25, 25, 25],
      [23, 22, 0, 0],
    ]);
  });

  it('rotates who is asked when the limit is below the number of partitions', async () => {
    const parts = holding([5, 5, 5, 5]);
    await spreadLimit(1, 4, 2, parts.take);
    expect(parts.rounds).toEqual([[0, 0, 1, 0]]);
  });

  it('counts an answer above the share (prune counts each kind it trims) as the share', async () => {
    expect(await spreadLimit(10, 2, 0, (_p, share) => Promise.resolve(share * 3))).toBe(10);
  });

  it('takes min(limit, work), never more than a partition holds, in at most P + 1 rounds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 16 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.nat(),
        async (sizes, limit, start) => {
          const parts = holding(sizes);
          const taken = await spreadLimit(limit, sizes.length, start % sizes.length, parts.take);
          expect(taken).toBe(
            Math.min(
              limit,
              sizes.reduce((a, b) => a + b, 0),
            ),
          );
          expect(parts.left.every((n) => n >= 0)).toBe(true);
          expect(parts.rounds.length).toBeLessThanOrEqual(sizes.length + 1);
          // Every partition with work is asked in the first round while the limit reaches it.
          if (limit >= sizes.length) expect(parts.rounds[0].every((share) => share > 0)).toBe(true);
        },
      ),
    );
  });
});
