-- @include codes
-- @include claim
-- @include digest
-- @include failed
-- @include grid
--[[
  Ends the occurrence of task id that was due at dueMs; its lease is already gone.
  ok: the run succeeded; otherwise failure (JSON) says why, and retry ({ maxAttempts, delayMs }, or
  nil) whether it may be tried again.
  - A failed run is retried at now + delayMs while the occurrence has had fewer than maxAttempts
    starts, unless that would run past the next occurrence of a periodic task.
  - A periodic task moves to the first point of its grid after both dueMs and now (missed
    occurrences collapse into one) while that is <= its end time; the failure of the occurrence
    is kept as its last failure. The next occurrence is claimed for owner when it falls before
    horizon, else it waits in due.
  - A periodic task past its end is done. A once task is done when ok (the record moves to the
    history, its digest is remembered in completed) and failed otherwise (the record stays).
  Returns code, token (0 unless claimed), atMs (the next occurrence or the retry, else 0).
]]
local function finishTask(id, record, now)
  rcall('HDEL', K.tasks, id)
  rcall('HDEL', K.period, id)
  rcall('HDEL', K.failures, id)
  rcall('ZADD', K.completed, now, submissionDigest(id, record))
  rcall('HSET', K.history, id, record)
  rcall('ZADD', K.historyAt, now, id)
end

-- The next grid point of a periodic task, and whether it is within the task's end.
local function nextOccurrence(id, dueMs, now)
  local period = rcall('HGET', K.period, id)
  if not period then return nil, false end
  local intervalText, endText = string.match(period, '^(%d+)|(%d*)$')
  local due = tonumber(dueMs)
  -- Strictly after both this occurrence and now: at or after the later of them + 1 ms.
  local nextMs = firstGridPointAtOrAfter(due, tonumber(intervalText), math.max(due, now) + 1)
  return nextMs, endText == '' or nextMs <= tonumber(endText)
end

local function endOccurrence(id, dueMs, ok, failure, retry, owner, horizon, leaseMs, now)
  local record = rcall('HGET', K.tasks, id)
  local nextMs, goesOn = nextOccurrence(id, dueMs, now)
  if record and not ok and retry then
    local attempts = tonumber(rcall('HGET', K.attempts, id) or '0')
    local retryAt = now + retry.delayMs
    if attempts < retry.maxAttempts and (not goesOn or retryAt < nextMs) then
      rcall('HSET', K.failures, id, failure)
      rcall('ZADD', K.due, retryAt, id)
      return COMPLETE.retry, 0, retryAt
    end
  end
  rcall('HDEL', K.attempts, id)
  rcall('HDEL', K.stalls, id)
  if not record then return COMPLETE.done, 0, 0 end
  if goesOn then
    if ok then rcall('HDEL', K.failures, id) else rcall('HSET', K.failures, id, failure) end
    if nextMs <= horizon then
      return COMPLETE.next, claim(id, nextMs, owner, leaseMs, now), nextMs
    end
    rcall('ZADD', K.due, nextMs, id)
    return COMPLETE.next, 0, nextMs
  end
  if ok or nextMs then
    finishTask(id, record, now)
    return COMPLETE.done, 0, 0
  end
  keepFailed(id, record, failure, now)
  return COMPLETE.failed, 0, 0
end
