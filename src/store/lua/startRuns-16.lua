--[[
  Start the runs of claimed tasks: each claim whose fencing token is still current and whose due
  time has come by the Redis clock becomes a running lease from now, its start is counted and its
  record handed back. A claim is held back while a superseded run of the task's old content may
  still be running. An occurrence whose runs were lost more than maxStalls times (their instances
  died, stalled past the lease or gave them up) is not started again: it ends as failed (a
  periodic task goes on with its next occurrence).

  Input:
    KEYS[1]  tasks        HASH id -> record
    KEYS[2]  due          ZSET id -> due ms
    KEYS[3]  leased       ZSET id -> lease expiry ms
    KEYS[4]  lease        HASH id -> token|dueMs|owner
    KEYS[5]  fence        STRING claim counter
    KEYS[6]  attempts     HASH id -> starts of the current occurrence
    KEYS[7]  period       HASH id -> intervalMs|endTimeMs
    KEYS[8]  completed    ZSET submission digest -> completion ms
    KEYS[9]  failed       ZSET id -> failure ms
    KEYS[10] failures     HASH id -> last failure JSON
    KEYS[11] failedBytes  STRING bytes held by failed tasks
    KEYS[12] superseded   HASH id -> token|leaseExpiryMs|reason
    KEYS[13] running      ZSET id -> start ms of its started run
    KEYS[14] stalls       HASH id -> lost runs of the current occurrence
    KEYS[15] history      HASH id -> record of a done task
    KEYS[16] historyAt    ZSET id -> ms it was done

    ARGV[1] leaseMs    running lease length, counted from now
    ARGV[2] maxStalls  lost runs an occurrence may have and still be started again
    ARGV[3..] pairs    id, token

  Output:
    { nowMs, code1, record1, attempt1, atMs1, ... }
    code START.started: record and attempt (starts of the occurrence, this one included)
         START.stale: the token is superseded or the lease gone; do not run
         START.notDue: due at atMs by the Redis clock; try again then
         START.superseded: a run of the replaced content may run until atMs; try again then
         START.stalled: attempt runs were lost; the occurrence was ended as failed
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], leased = KEYS[3], lease = KEYS[4], fence = KEYS[5],
  attempts = KEYS[6], period = KEYS[7], completed = KEYS[8], failed = KEYS[9],
  failures = KEYS[10], failedBytes = KEYS[11], superseded = KEYS[12], running = KEYS[13],
  stalls = KEYS[14], history = KEYS[15], historyAt = KEYS[16] }
-- @include now
-- @include superseded
-- @include occurrence

local now = nowMs()
local expiry = now + tonumber(ARGV[1])
local maxStalls = tonumber(ARGV[2])

-- Expiry of a superseded run still live, or nil (a lapsed one is forgotten).
local function supersededUntil(id)
  local superseded = readSuperseded(id)
  if not superseded then return nil end
  if superseded.untilMs and superseded.untilMs > now then return superseded.untilMs end
  rcall('HDEL', K.superseded, id)
  return nil
end

local function endStalled(id, lease, lost)
  dropLease(id)
  local attempts = tonumber(rcall('HGET', K.attempts, id) or '0')
  local failure = cjson.encode({ outcome = 'stalled', at = now, attempt = attempts,
    error = 'its run was lost ' .. lost .. ' time(s): the instance running it died, stalled ' ..
      'past its lease or gave it up; not started again (DELAYTASK_MAX_STALLS=' .. maxStalls .. ')' })
  endOccurrence(id, lease.dueMs, false, failure, nil, '', -math.huge, 0, now)
end

local function start(id, token)
  local lease = readLease(id)
  if not lease or lease.token ~= token or rcall('HEXISTS', K.tasks, id) == 0 then
    return START.stale, '', 0, 0
  end
  if tonumber(lease.dueMs) > now then return START.notDue, '', 0, tonumber(lease.dueMs) end
  local busyUntil = supersededUntil(id)
  if busyUntil then return START.superseded, '', 0, busyUntil end
  local lost = tonumber(rcall('HGET', K.stalls, id) or '0')
  if lost > maxStalls then
    endStalled(id, lease, lost)
    return START.stalled, '', lost, 0
  end
  rcall('ZADD', K.leased, expiry, id)
  markRunning(id, now)
  return START.started, rcall('HGET', K.tasks, id), rcall('HINCRBY', K.attempts, id, 1), 0
end

local out = { now }
for i = 3, #ARGV, 2 do
  local code, record, attempt, atMs = start(ARGV[i], ARGV[i + 1])
  out[#out + 1] = code
  out[#out + 1] = record
  out[#out + 1] = attempt
  out[#out + 1] = atMs
end
return out
