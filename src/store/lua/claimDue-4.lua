--[[
  Claim for one instance the pending tasks due within its window, earliest first.

  Input:
    KEYS[1] due     ZSET id -> due ms
    KEYS[2] leased  ZSET id -> lease expiry ms
    KEYS[3] lease   HASH id -> token|dueMs|owner
    KEYS[4] fence   STRING claim counter

    ARGV[1] owner     instance that claims
    ARGV[2] windowMs  claim tasks due at or before now + windowMs
    ARGV[3] leaseMs   lease length, counted from max(dueMs, now)
    ARGV[4] limit     most tasks to claim

  Output:
    { nowMs, id1, dueMs1, token1, id2, dueMs2, token2, ... }
]]
local rcall = redis.call
local K = { due = KEYS[1], leased = KEYS[2], lease = KEYS[3], fence = KEYS[4] }
-- @include now
-- @include claim

local now = nowMs()
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])

local rows = rcall('ZRANGEBYSCORE', K.due, '-inf', now + tonumber(ARGV[2]), 'WITHSCORES',
  'LIMIT', 0, tonumber(ARGV[4]))
local out = { now }
for i = 1, #rows, 2 do
  local id, dueMs = rows[i], rows[i + 1]
  rcall('ZREM', K.due, id)
  out[#out + 1] = id
  out[#out + 1] = dueMs
  out[#out + 1] = claim(id, dueMs, owner, leaseMs, now)
end
return out
