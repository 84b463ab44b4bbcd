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
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])

local rows = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', now + tonumber(ARGV[2]), 'WITHSCORES',
  'LIMIT', 0, tonumber(ARGV[4]))
local out = { now }
for i = 1, #rows, 2 do
  local id, due = rows[i], tonumber(rows[i + 1])
  local token = rcall('INCR', KEYS[4])
  rcall('ZREM', KEYS[1], id)
  rcall('ZADD', KEYS[2], math.max(due, now) + leaseMs, id)
  rcall('HSET', KEYS[3], id, token .. '|' .. rows[i + 1] .. '|' .. owner)
  out[#out + 1] = id
  out[#out + 1] = due
  out[#out + 1] = token
end
return out
