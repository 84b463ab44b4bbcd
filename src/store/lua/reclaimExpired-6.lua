--[[
  Give back to the due set the claims whose lease expired (their instance died or stalled), at
  their original due time. Safe to run from any instance at any time: each claim moves once, and
  the fencing token of the old holder stops matching. A started run lost this way is counted in
  stalls (startRuns starts an occurrence again at most maxStalls times).

  Input:
    KEYS[1] leased  ZSET id -> lease expiry ms
    KEYS[2] lease   HASH id -> token|dueMs|owner
    KEYS[3] due     ZSET id -> due ms
    KEYS[4] tasks   HASH id -> record
    KEYS[5] running ZSET id -> start ms of its started run
    KEYS[6] stalls  HASH id -> lost runs of the current occurrence

    ARGV[1] limit  most claims to reclaim

  Output:
    number of claims put back in due
]]
local rcall = redis.call
local K = { leased = KEYS[1], lease = KEYS[2], due = KEYS[3], tasks = KEYS[4], running = KEYS[5], stalls = KEYS[6] }
-- @include now
-- @include lease

local now = nowMs()
local ids = rcall('ZRANGEBYSCORE', K.leased, '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local lease = readLease(id)
  local dueMs = lease and lease.dueMs
  if not dueMs and rcall('HEXISTS', K.tasks, id) == 1 then dueMs = now end
  if dueMs then rcall('ZADD', K.due, dueMs, id) end
  if isRunning(id) then rcall('HINCRBY', K.stalls, id, 1) end
  dropLease(id)
end
return #ids
