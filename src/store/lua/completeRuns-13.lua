--[[
  Record the outcome of finished runs whose fencing token is still current: the occurrence ends
  (see occurrence.lua: a periodic task's next occurrence is claimed for owner when it falls within
  its window), or, for a run given up without an outcome, the claim goes back to due at its due
  time to be started again: 'abandoned' (it started; its lease could not be kept or the instance
  is stopping) leaves the start counted as lost, 'unstarted' (confirmed, never started) uncounts it.

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

    ARGV[1] owner     instance that claims next occurrences within its window
    ARGV[2] windowMs  claim next occurrences due at or before now + windowMs; '' claims none
    ARGV[3] leaseMs   lease length of such a claim
    ARGV[4..] quadruples  id, token, outcome ('ok' | 'error' | 'timeout' | 'abandoned' |
                          'unstarted'), failure JSON ('' unless error or timeout)

  Output:
    { nowMs, code1, token1, nextMs1, ... }
    code COMPLETE.stale (token superseded or lease gone, nothing changed), done, next, failed,
         released
    token fencing token when the next occurrence was claimed for owner, else 0
    nextMs the next occurrence of a periodic task, else 0
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], leased = KEYS[3], lease = KEYS[4], fence = KEYS[5],
  attempts = KEYS[6], period = KEYS[7], completed = KEYS[8], failed = KEYS[9],
  failures = KEYS[10], failedBytes = KEYS[11], superseded = KEYS[12], running = KEYS[13] }
-- @include codes
-- @include now
-- @include lease
-- @include superseded
-- @include claim
-- @include digest
-- @include failed
-- @include occurrence

local now = nowMs()
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])
local horizon = ARGV[2] == '' and -math.huge or now + tonumber(ARGV[2])

local function complete(id, token, outcome, failure)
  local lease = readLease(id)
  if not lease or lease.token ~= token then
    local superseded = readSuperseded(id)
    if superseded and superseded.token == token then rcall('HDEL', K.superseded, id) end
    return COMPLETE.stale, 0, 0
  end
  dropLease(id)
  if outcome == 'abandoned' or outcome == 'unstarted' then
    if outcome == 'unstarted' and rcall('HINCRBY', K.attempts, id, -1) <= 0 then
      rcall('HDEL', K.attempts, id)
    end
    rcall('ZADD', K.due, lease.dueMs, id)
    return COMPLETE.released, 0, 0
  end
  rcall('HDEL', K.attempts, id)
  return endOccurrence(id, lease.dueMs, outcome == 'ok', failure, owner, horizon, leaseMs, now)
end

local out = { now }
for i = 4, #ARGV, 4 do
  local code, token, nextMs = complete(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3])
  out[#out + 1] = code
  out[#out + 1] = token
  out[#out + 1] = nextMs
end
return out
