/**
 * Deepest nesting of objects and arrays a task message may have, the message object itself being
 * level 1. Deeper values cannot be serialised safely (JSON.stringify recurses), so a message over
 * the limit is rejected before anything walks it.
 */
export const MAX_NESTING_DEPTH = 64;

/**
 * Whether `value` nests objects and arrays more than `maxDepth` levels deep. The walk stops at
 * `maxDepth + 1` levels, so it recurses at most that far whatever the value.
 */
export function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (maxDepth <= 0) return true;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  for (const child of children) if (nestedDeeperThan(child, maxDepth - 1)) return true;
  return false;
}

/**
 * Whether `value` holds a number JSON cannot carry: JSON.parse reads a literal beyond the range
 * of a double (`1e400`) as Infinity, which would be stored as `null`. Call it on values already
 * known to be at most `MAX_NESTING_DEPTH` deep.
 */
export function holdsNonFiniteNumber(value: unknown): boolean {
  if (typeof value === 'number') return !Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return false;
  const children: unknown[] = Array.isArray(value) ? value : Object.values(value);
  return children.some(holdsNonFiniteNumber);
}
