/**
 * The grid of a periodic task: its occurrences fall at `anchorMs + k * intervalMs` for k = 0, 1,
 * 2, … (the anchor is `ToRunAt`), so they never drift however late a run starts or ends.
 *
 * The store's scripts compute the same points in Lua (`firstGridPointAtOrAfter` in
 * `src/store/lua/includes/occurrence.lua`); `test/e2e/grid.property.e2e-spec.ts` holds the two to
 * the same results. Both evaluate the same expression in doubles, so they agree bit for bit.
 */

/**
 * The first point of the grid at or after `timeMs`: `anchorMs` itself when `timeMs <= anchorMs`.
 * Arguments are whole milliseconds, `intervalMs > 0`; the result is exact while the arguments and
 * the result are safe integers (the ceiling of a quotient of safe integers is exact in doubles).
 */
export function firstGridPointAtOrAfter(
  anchorMs: number,
  intervalMs: number,
  timeMs: number,
): number {
  return anchorMs + intervalMs * Math.max(0, Math.ceil((timeMs - anchorMs) / intervalMs));
}
