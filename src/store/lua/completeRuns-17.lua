--[[
  Record the outcome of finished runs whose fencing token is still current: the occurrence ends or
  is retried (see occurrence.lua: a periodic task moves to the next occurrence the runner computed,
  claimed for owner when it falls within its window), or, for a run given up without an outcome,
  the claim goes back to due at its due time to be started again: 'abandoned' (it started; its
  lease could not be kept or the instance is stopping) counts as a lost run of the occurrence,
  'unstarted' (confirmed, never started here) uncounts its start. Occurrences that did not run
  are counted fleet-wide in counters: missed ones (catch-up and overlap rules) and expired ones.

  Input:
    KEYS[1]  tasks        HASH id -> record
    KEYS[2]  due          ZSET id -> due ms
    KEYS[3]  leased       ZSET id -> lease expiry ms
    KEYS[4]  lease        HASH id -> token|dueMs|owner
    KEYS[5]  fence        STRING claim counter
    KEYS[6]  attempts     HASH id -> starts of the current occurrence
    KEYS[7]  period       HASH id -> intervalMs|endTimeMs|jitterMs (periodic tasks only)
    KEYS[8]  completed    ZSET submission digest -> completion ms
    KEYS[9]  failed       ZSET id -> failure ms
    KEYS[10] failures     HASH id -> last failure JSON
    KEYS[11] failedBytes  STRING bytes held by failed tasks
    KEYS[12] superseded   HASH id -> token|leaseExpiryMs|reason
    KEYS[13] running      ZSET id -> start ms of its started run
    KEYS[14] stalls       HASH id -> lost runs of the current occurrence
    KEYS[15] history      HASH id -> record of a done task
    KEYS[16] historyAt    ZSET id -> ms it was done
    KEYS[17] counters     HASH missed | expired -> occurrences that did not run, since ever

    ARGV[1] owner     instance that claims next occurrences within its window
    ARGV[2] windowMs  claim next occurrences due at or before now + windowMs; '' claims none
    ARGV[3] leaseMs   lease length of such a claim
    ARGV[4..] octuples   id, token, outcome ('ok' | 'missed' | 'error' | 'timeout' | 'expired' |
                         'stalled' | 'abandoned' | 'unstarted'), failure JSON ('' unless a failure:
                         error, timeout, expired, stalled), maxAttempts and retryDelayMs ('' and ''
                         when a failure is not to be retried), nextMs (a periodic task's next
                         occurrence, '' when its schedule is over) and missed (occurrences that
                         will not run, this one included, '' for none)

  Output:
    { nowMs, code1, token1, atMs1, ... }
    code COMPLETE.stale (token superseded or lease gone, nothing changed), done, next, failed,
         released, retry
    token fencing token when the next occurrence was claimed for owner, else 0
    atMs the next occurrence of a periodic task, or the retry, else 0
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], leased = KEYS[3], lease = KEYS[4], fence = KEYS[5],
  attempts = KEYS[6], period = KEYS[7], completed = KEYS[8], failed = KEYS[9],
  failures = KEYS[10], failedBytes = KEYS[11], superseded = KEYS[12], running = KEYS[13],
  stalls = KEYS[14], history = KEYS[15], historyAt = KEYS[16], counters = KEYS[17] }
-- @include now
-- @include superseded
-- @include occurrence

local now = nowMs()
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])
local horizon = ARGV[2] == '' and -math.huge or now + tonumber(ARGV[2])

local function release(id, lease, outcome)
  if outcome == 'unstarted' then
    if rcall('HINCRBY', K.attempts, id, -1) <= 0 then rcall('HDEL', K.attempts, id) end
  else
    rcall('HINCRBY', K.stalls, id, 1)
  end
  rcall('ZADD', K.due, lease.dueMs, id)
  return COMPLETE.released, 0, 0
end

local function complete(id, token, outcome, failure, maxAttempts, retryDelayMs, nextMs, missed)
  local lease = readLease(id)
  if not lease or lease.token ~= token then
    local superseded = readSuperseded(id)
    if superseded and superseded.token == token then rcall('HDEL', K.superseded, id) end
    return COMPLETE.stale, 0, 0
  end
  rcall('ZREM', K.running, id)
  local code, nextToken, atMs
  if outcome == 'abandoned' or outcome == 'unstarted' then
    code, nextToken, atMs = release(id, lease, outcome)
  else
    if missed ~= '' then rcall('HINCRBY', K.counters, 'missed', missed) end
    if outcome == 'expired' then rcall('HINCRBY', K.counters, 'expired', 1) end
    local retry = maxAttempts ~= '' and
      { maxAttempts = tonumber(maxAttempts), delayMs = tonumber(retryDelayMs) } or nil
    code, nextToken, atMs =
      endOccurrence(id, outcome, failure, retry, nextMs, owner, horizon, leaseMs, now)
  end
  -- A next occurrence claimed for owner has written a lease of its own over this one (a periodic
  -- task's usual step: two commands fewer); any other ending leaves the task without a lease.
  if nextToken == 0 then forgetLease(id) end
  return code, nextToken, atMs
end

local out = { now }
for i = 4, #ARGV, 8 do
  local code, token, atMs = complete(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4],
    ARGV[i + 5], ARGV[i + 6], ARGV[i + 7])
  out[#out + 1] = code
  out[#out + 1] = token
  out[#out + 1] = atMs
end
return out
