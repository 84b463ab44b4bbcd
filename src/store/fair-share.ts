/**
 * How a limit (claims, reclaims, prunes per call) is spread over partitions so that no partition's
 * work waits behind a busy one's, without a leader: every partition gets an equal share at once,
 * and what a partition leaves unused goes, in further rounds, to those that used all of theirs
 * (they may have more). A partition that took less than its share is done for this call.
 */

/**
 * Splits `limit` over the `open` partitions in equal shares; the remainder goes one by one to the
 * open partitions from `start` on (rotating `start` between calls rotates who gets it, and who
 * gets a share at all when the limit is smaller than the number of partitions).
 */
export function equalShares(limit: number, open: readonly boolean[], start: number): number[] {
  const count = open.length;
  const shares = new Array<number>(count).fill(0);
  const openOnes: number[] = [];
  for (let i = 0; i < count; i++) {
    const p = (start + i) % count;
    if (open[p]) openOnes.push(p);
  }
  if (openOnes.length === 0) return shares;
  const each = Math.floor(limit / openOnes.length);
  const extra = limit % openOnes.length;
  openOnes.forEach((p, i) => (shares[p] = each + (i < extra ? 1 : 0)));
  return shares;
}

/**
 * Spreads `limit` over `count` partitions: `take(p, share)` takes up to `share` from partition p
 * and says how many it took. Rounds go on while some of the limit is unused and some partition
 * took all it was given; each round's calls run at once. At most count + 1 rounds: a round either
 * uses the whole rest of the limit or closes at least one partition. Returns how many were taken.
 */
export async function spreadLimit(
  limit: number,
  count: number,
  start: number,
  take: (p: number, share: number) => Promise<number>,
): Promise<number> {
  const open = new Array<boolean>(count).fill(true);
  let left = limit;
  while (left > 0 && open.includes(true)) {
    const shares = equalShares(left, open, start);
    const taken = await Promise.all(
      shares.map((share, p) => (share > 0 ? take(p, share) : Promise.resolve(-1))),
    );
    taken.forEach((got, p) => {
      if (got < 0) return; // not asked this round: still open
      left -= Math.min(got, shares[p]);
      if (got < shares[p]) open[p] = false;
    });
  }
  return limit - left;
}
