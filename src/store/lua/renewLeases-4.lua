--[[
  Extend the leases an instance still holds (the heartbeat of its confirmed and running tasks),
  and say for each lost one why, so that its run can be told why it must stop.

  Input:
    KEYS[1] leased      ZSET id -> lease expiry ms
    KEYS[2] lease       HASH id -> token|dueMs|owner
    KEYS[3] tasks       HASH id -> record
    KEYS[4] superseded  HASH id -> token|leaseExpiryMs|reason

    ARGV[1] leaseMs  new lease length, counted from now
    ARGV[2..] pairs  id, token

  Output:
    { lostId1, token1, reason1, ... } for the tokens no longer current (nothing changed for
    them); reason LOST.rescheduled (the task took new content), LOST.cancelled, LOST.removed (the
    task is gone) or LOST.takenOver (its lease lapsed and was reclaimed, or another instance holds it)
]]
local rcall = redis.call
local K = { leased = KEYS[1], lease = KEYS[2], tasks = KEYS[3], superseded = KEYS[4] }
-- @include codes
-- @include now
-- @include lease
-- @include superseded

local expiry = nowMs() + tonumber(ARGV[1])

local function lostReason(id, token)
  local superseded = readSuperseded(id)
  if superseded and superseded.token == token then return superseded.reason end
  if rcall('HEXISTS', K.tasks, id) == 0 then return LOST.removed end
  return LOST.takenOver
end

local lost = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lease = readLease(id)
  if lease and lease.token == token then
    rcall('ZADD', K.leased, expiry, id)
  else
    lost[#lost + 1] = id
    lost[#lost + 1] = token
    lost[#lost + 1] = lostReason(id, token)
  end
end
return lost
