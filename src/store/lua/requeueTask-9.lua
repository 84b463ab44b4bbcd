--[[
  Make a failed or cancelled task pending again, due now, its attempts counted afresh (a periodic
  task's grid then continues from now).

  Input:
    KEYS[1] tasks        HASH id -> record
    KEYS[2] due          ZSET id -> due ms
    KEYS[3] attempts     HASH id -> starts of the current occurrence
    KEYS[4] cancelled    ZSET id -> ms it was cancelled
    KEYS[5] failed       ZSET id -> failure ms
    KEYS[6] failures     HASH id -> last failure JSON
    KEYS[7] failedBytes  STRING bytes held by failed tasks
    KEYS[8] running      ZSET id -> start ms of its started run
    KEYS[9] stalls       HASH id -> lost runs of the current occurrence

    ARGV[1] id

  Output:
    { code, dueMs }
    code REQUEUE.requeued, notFound (no such task), notFinished (pending or running: nothing to do)
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], attempts = KEYS[3], cancelled = KEYS[4],
  failed = KEYS[5], failures = KEYS[6], failedBytes = KEYS[7], running = KEYS[8], stalls = KEYS[9] }
-- @include codes
-- @include now
-- @include failed

local id = ARGV[1]
local record = rcall('HGET', K.tasks, id)
if not record then return { REQUEUE.notFound, 0 } end
local wasCancelled = rcall('ZREM', K.cancelled, id) == 1
local wasFailed = rcall('ZSCORE', K.failed, id) ~= false
if not wasCancelled and not wasFailed then return { REQUEUE.notFinished, 0 } end

forgetFailure(id, record)
rcall('HDEL', K.attempts, id)
rcall('HDEL', K.stalls, id)
local now = nowMs()
rcall('ZADD', K.due, now, id)
return { REQUEUE.requeued, now }
