export { prng } from '../../test/support/prng';

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
