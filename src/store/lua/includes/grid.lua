-- The first point of the grid anchorMs + k * intervalMs (k = 0, 1, ...) at or after timeMs, all in
-- whole ms. The same expression as firstGridPointAtOrAfter in src/domain/grid.ts, evaluated in the
-- same doubles, so ingest and the scripts place a task on one grid;
-- test/e2e/grid.property.e2e-spec.ts holds the two to the same result on every input.
local function firstGridPointAtOrAfter(anchorMs, intervalMs, timeMs)
  return anchorMs + intervalMs * math.max(0, math.ceil((timeMs - anchorMs) / intervalMs))
end
