-- @include codes
-- @include claim
-- @include digest
-- @include failed
--[[
  Ends the current occurrence of task id; its run is no longer counted as running, and its lease
  is dropped by the caller unless a next occurrence was claimed here (claim writes a new one).
  outcome: 'ok' (the run succeeded), 'missed' (not run: the catch-up rule skipped it), or a
  failure, with failure (JSON) saying why and retry ({ maxAttempts, delayMs }, or nil) whether it
  may be tried again (only an 'error' or 'timeout' is). nextMs: the next occurrence of a periodic
  task as the runner computed it (src/schedules/occurrence-plan.ts; the scripts keep no calendar),
  as text ('' when its schedule is over), so that it goes into the lease exactly as it came.
  - A failed run is retried at now + delayMs while the occurrence has had fewer than maxAttempts
    starts, unless that would run past the next occurrence of a periodic task.
  - A periodic task (one with a period entry) with a next occurrence moves there; a failure is kept
    as its last failure, a success clears it, a missed occurrence leaves it. The next occurrence is
    claimed for owner when it falls before horizon, else it waits in due.
  - A periodic task without one is done. A once task is done when ok (the record moves to the
    history, its digest is remembered in completed) and failed otherwise (the record stays).
  Returns code, token (0 unless claimed), atMs (the next occurrence or the retry, else 0).
]]
local function finishTask(id, record, periodic, now)
  rcall('HDEL', K.tasks, id)
  if periodic then rcall('HDEL', K.period, id) end
  rcall('HDEL', K.failures, id)
  rcall('ZADD', K.completed, now, submissionDigest(id, record))
  rcall('HSET', K.history, id, record)
  rcall('ZADD', K.historyAt, now, id)
end

local function endOccurrence(id, outcome, failure, retry, nextText, owner, horizon, leaseMs, now)
  local record = rcall('HGET', K.tasks, id)
  local periodic = rcall('HEXISTS', K.period, id) == 1
  local nextMs = tonumber(nextText)
  local goesOn = periodic and nextMs ~= nil
  local failedRun = outcome ~= 'ok' and outcome ~= 'missed'
  if record and (outcome == 'error' or outcome == 'timeout') and retry then
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
    if outcome == 'ok' then rcall('HDEL', K.failures, id)
    elseif failedRun then rcall('HSET', K.failures, id, failure) end
    if nextMs <= horizon then
      return COMPLETE.next, claim(id, nextText, owner, leaseMs, now), nextMs
    end
    rcall('ZADD', K.due, nextMs, id)
    return COMPLETE.next, 0, nextMs
  end
  if not failedRun or periodic then
    finishTask(id, record, periodic, now)
    return COMPLETE.done, 0, 0
  end
  keepFailed(id, record, failure, now)
  return COMPLETE.failed, 0, 0
end
