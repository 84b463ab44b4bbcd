/**
 * Upper bounds of the lateness buckets, in ms: fine at the low end, where a healthy engine runs
 * (a few ms), coarse up to a minute. The Prometheus histogram and the status page share them.
 */
export const LATENESS_BUCKETS_MS: readonly number[] = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000,
];

/** The index of the first bucket that holds `ms`; the bucket count for what passes them all. */
export function latenessBucket(ms: number): number {
  let i = 0;
  while (i < LATENESS_BUCKETS_MS.length && ms > LATENESS_BUCKETS_MS[i]) i++;
  return i;
}
