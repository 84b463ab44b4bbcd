--[[
  Cancel a task: it never runs again (no further occurrence of a periodic task) and is kept in the
  cancelled set with its record, to inspect or requeue. A run that has started is superseded and
  told on the control channel, so that whichever instance runs it aborts its signal at once.

  Input:
    KEYS[1]  tasks        HASH id -> record
    KEYS[2]  due          ZSET id -> due ms
    KEYS[3]  leased       ZSET id -> lease expiry ms
    KEYS[4]  lease        HASH id -> token|dueMs|owner
    KEYS[5]  running      ZSET id -> start ms of its started run
    KEYS[6]  attempts     HASH id -> starts of the current occurrence
    KEYS[7]  superseded   HASH id -> token|leaseExpiryMs|reason
    KEYS[8]  cancelled    ZSET id -> ms it was cancelled
    KEYS[9]  failed       ZSET id -> failure ms
    KEYS[10] failures     HASH id -> last failure JSON
    KEYS[11] failedBytes  STRING bytes held by failed tasks
    KEYS[12] stalls       HASH id -> lost runs of the current occurrence

    ARGV[1] id
    ARGV[2] controlChannel  where instances hear 'cancel <id> <token>'

  Output:
    { code, token }
    code CANCEL.cancelled (it was pending or failed), running (its run is told to stop; token is
         that run's), alreadyCancelled, notFound (no such live task: unknown, or finished)
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], leased = KEYS[3], lease = KEYS[4], running = KEYS[5],
  attempts = KEYS[6], superseded = KEYS[7], cancelled = KEYS[8], failed = KEYS[9],
  failures = KEYS[10], failedBytes = KEYS[11], stalls = KEYS[12] }
-- @include codes
-- @include now
-- @include lease
-- @include superseded
-- @include failed

local id, channel = ARGV[1], ARGV[2]
local record = rcall('HGET', K.tasks, id)
if not record then return { CANCEL.notFound, 0 } end
if rcall('ZSCORE', K.cancelled, id) then return { CANCEL.alreadyCancelled, 0 } end

local code, token = CANCEL.cancelled, 0
local runToken = supersede(id, LOST.cancelled)
if runToken then
  rcall('PUBLISH', channel, 'cancel ' .. id .. ' ' .. runToken)
  code, token = CANCEL.running, tonumber(runToken)
end
dropLease(id)
rcall('ZREM', K.due, id)
rcall('HDEL', K.attempts, id)
rcall('HDEL', K.stalls, id)
forgetFailure(id, record)
rcall('ZADD', K.cancelled, nowMs(), id)
return { code, token }
