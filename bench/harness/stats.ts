/** Nearest-rank percentile of unsorted values (p in 0..100); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function max(values: readonly number[]): number {
  let best = -Infinity;
  for (const value of values) if (value > best) best = value;
  return values.length === 0 ? NaN : best;
}

export function min(values: readonly number[]): number {
  let best = Infinity;
  for (const value of values) if (value < best) best = value;
  return values.length === 0 ? NaN : best;
}

/** Small deterministic PRNG (mulberry32) so random due times repeat from run to run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
