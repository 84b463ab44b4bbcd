--[[
  Start the runs of claimed tasks: each claim whose fencing token is still current and whose start
  time has come by the Redis clock becomes a running lease from now, its start is counted and its
  record handed back. The start time is the due time, spread by the task's Jitter on an
  occurrence's first attempt (see startAt). A claim is held back while a superseded run of the
  task's old content may still be running. An occurrence whose runs were lost more than maxStalls
  times (their instances died, stalled past the lease or gave them up) is not started again: its
  record comes back for the runner to end it as stalled, with the next occurrence of a periodic
  task, which only the runner computes.

  Input:
    KEYS[1] tasks       HASH id -> record
    KEYS[2] leased      ZSET id -> lease expiry ms
    KEYS[3] lease       HASH id -> token|dueMs|owner
    KEYS[4] attempts    HASH id -> starts of the current occurrence
    KEYS[5] period      HASH id -> intervalMs|endTimeMs|jitterMs (periodic tasks only)
    KEYS[6] superseded  HASH id -> token|leaseExpiryMs|reason
    KEYS[7] running     ZSET id -> start ms of its started run
    KEYS[8] stalls      HASH id -> lost runs of the current occurrence

    ARGV[1] leaseMs    running lease length, counted from now
    ARGV[2] maxStalls  lost runs an occurrence may have and still be started again
    ARGV[3..] pairs    id, token

  Output:
    { nowMs, code1, record1, attempt1, atMs1, ... }
    code START.started: record, attempt (starts of the occurrence, this one included) and atMs
                        (when it was to start: its due time, spread by Jitter)
         START.stale: the token is superseded or the lease gone; do not run
         START.notDue: to start at atMs by the Redis clock; try again then
         START.superseded: a run of the replaced content may run until atMs; try again then
         START.stalled: record, and attempt = the runs that were lost; the lease stays for the
                        runner's completeRuns ('stalled')
]]
local rcall = redis.call
local K = { tasks = KEYS[1], leased = KEYS[2], lease = KEYS[3], attempts = KEYS[4],
  period = KEYS[5], superseded = KEYS[6], running = KEYS[7], stalls = KEYS[8] }
-- @include codes
-- @include now
-- @include superseded

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

--[[
  When the occurrence due at dueMs may start: dueMs + floor(u * jitterMs / 2^32), u the first 32
  bits of SHA-1('<id>|<dueMs>'), on its first attempt (a retry starts when it is due), so that
  every instance spreads a herd on one grid alike. The same as jitterOffsetMs in
  src/schedules/jitter.ts; test/e2e/jitter.property.e2e-spec.ts holds the two to one result.
]]
local function startAt(id, dueMs)
  local period = rcall('HGET', K.period, id)
  local jitterMs = period and tonumber(string.match(period, '^[^|]*|[^|]*|(%d+)$'))
  if not jitterMs or jitterMs <= 0 or rcall('HEXISTS', K.attempts, id) == 1 then return dueMs end
  local u = tonumber(string.sub(redis.sha1hex(id .. '|' .. string.format('%d', dueMs)), 1, 8), 16)
  return dueMs + math.floor(u * jitterMs / 4294967296)
end

-- The record is read once, up front: nearly every claim given here starts, and needs it then.
local function start(id, token)
  local lease = readLease(id)
  if not lease or lease.token ~= token then return START.stale, '', 0, 0 end
  local record = rcall('HGET', K.tasks, id)
  if not record then return START.stale, '', 0, 0 end
  local atMs = startAt(id, tonumber(lease.dueMs))
  if atMs > now then return START.notDue, '', 0, atMs end
  local busyUntil = supersededUntil(id)
  if busyUntil then return START.superseded, '', 0, busyUntil end
  local lost = tonumber(rcall('HGET', K.stalls, id) or '0')
  if lost > maxStalls then return START.stalled, record, lost, 0 end
  rcall('ZADD', K.leased, expiry, id)
  markRunning(id, now)
  return START.started, record, rcall('HINCRBY', K.attempts, id, 1), atMs
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
