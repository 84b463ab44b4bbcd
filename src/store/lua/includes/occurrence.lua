-- The first point of the grid anchorMs + k * intervalMs (k = 0, 1, ...) at or after timeMs, all in
-- whole ms. The same expression as firstGridPointAtOrAfter in src/domain/grid.ts, evaluated in the
-- same doubles, so ingest and the scripts place a task on one grid;
-- test/e2e/grid.property.e2e-spec.ts holds the two to the same result on every input.
local function firstGridPointAtOrAfter(anchorMs, intervalMs, timeMs)
  return anchorMs + intervalMs * math.max(0, math.ceil((timeMs - anchorMs) / intervalMs))
end

--[[
  Ends the occurrence of task id that was due at dueMs; its lease and attempts are already gone.
  ok: the run succeeded; otherwise failure (JSON) says why.
  - A periodic task moves to the first point of its grid dueMs + k * intervalMs after now (missed
    occurrences collapse into one) while that is <= its end time; the failure of the occurrence
    is kept as its last failure. The next occurrence is claimed for owner when it falls before
    horizon, else it waits in due.
  - A periodic task past its end is done. A once task is done when ok (the record goes, its digest
    is remembered in completed) and failed otherwise (the record stays, for inspection).
  Returns code, token (0 unless claimed), nextMs (0 unless there is a next occurrence).
]]
local function finishTask(id, record, now)
  rcall('HDEL', K.tasks, id)
  rcall('HDEL', K.period, id)
  rcall('HDEL', K.failures, id)
  rcall('ZADD', K.completed, now, submissionDigest(id, record))
end

local function endOccurrence(id, dueMs, ok, failure, owner, horizon, leaseMs, now)
  local record = rcall('HGET', K.tasks, id)
  if not record then return COMPLETE.done, 0, 0 end
  local period = rcall('HGET', K.period, id)
  if period then
    local intervalText, endText = string.match(period, '^(%d+)|(%d*)$')
    local interval, due = tonumber(intervalText), tonumber(dueMs)
    -- Strictly after both this occurrence and now: at or after the later of them + 1 ms.
    local nextMs = firstGridPointAtOrAfter(due, interval, math.max(due, now) + 1)
    if endText == '' or nextMs <= tonumber(endText) then
      if ok then rcall('HDEL', K.failures, id) else rcall('HSET', K.failures, id, failure) end
      if nextMs <= horizon then
        return COMPLETE.next, claim(id, nextMs, owner, leaseMs, now), nextMs
      end
      rcall('ZADD', K.due, nextMs, id)
      return COMPLETE.next, 0, nextMs
    end
    finishTask(id, record, now)
    return COMPLETE.done, 0, 0
  end
  if ok then
    finishTask(id, record, now)
    return COMPLETE.done, 0, 0
  end
  keepFailed(id, record, failure, now)
  return COMPLETE.failed, 0, 0
end
