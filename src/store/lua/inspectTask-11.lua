--[[
  Read one task's state at one instant (read only).

  Input:
    KEYS[1]  tasks      HASH id -> record
    KEYS[2]  due        ZSET id -> due ms
    KEYS[3]  lease      HASH id -> token|dueMs|owner
    KEYS[4]  running    ZSET id -> start ms of its started run
    KEYS[5]  attempts   HASH id -> starts of the current occurrence
    KEYS[6]  failed     ZSET id -> failure ms
    KEYS[7]  failures   HASH id -> last failure JSON
    KEYS[8]  cancelled  ZSET id -> ms it was cancelled
    KEYS[9]  history    HASH id -> record of a done task
    KEYS[10] historyAt  ZSET id -> ms it was done
    KEYS[11] period     HASH id -> intervalMs|endTimeMs|jitterMs (periodic tasks only)

    ARGV[1] id

  Output:
    { state, record, dueMs, attempt, lastFailure, finishedAtMs }
    state TASK_STATE.notFound, pending, running, failed, cancelled or done; '' / 0 where a field
    does not apply
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], lease = KEYS[3], running = KEYS[4],
  attempts = KEYS[5], failed = KEYS[6], failures = KEYS[7], cancelled = KEYS[8],
  history = KEYS[9], historyAt = KEYS[10], period = KEYS[11] }
-- @include codes
-- @include lease

local id = ARGV[1]
local failure = rcall('HGET', K.failures, id) or ''
local attempt = tonumber(rcall('HGET', K.attempts, id) or '0')
local record = rcall('HGET', K.tasks, id)
if not record then
  local done = rcall('HGET', K.history, id)
  if not done then return { TASK_STATE.notFound, '', 0, 0, '', 0 } end
  return { TASK_STATE.done, done, 0, attempt, '', tonumber(rcall('ZSCORE', K.historyAt, id) or '0') }
end

local cancelledAt = rcall('ZSCORE', K.cancelled, id)
if cancelledAt then return { TASK_STATE.cancelled, record, 0, attempt, failure, tonumber(cancelledAt) } end
local failedAt = rcall('ZSCORE', K.failed, id)
if failedAt then return { TASK_STATE.failed, record, 0, attempt, failure, tonumber(failedAt) } end
local lease = readLease(id)
local dueMs = tonumber(rcall('ZSCORE', K.due, id) or (lease and lease.dueMs) or '0')
local state = lease and isRunning(id) and TASK_STATE.running or TASK_STATE.pending
return { state, record, dueMs, attempt, failure, 0 }
