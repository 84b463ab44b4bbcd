--[[
  Give back to the due set the claims whose lease expired (their instance died or stalled), at
  their original due time. Safe to run from any instance at any time: each claim moves once, and
  the fencing token of the old holder stops matching.

  Input:
    KEYS[1] leased  ZSET id -> lease expiry ms
    KEYS[2] lease   HASH id -> token|dueMs|owner
    KEYS[3] due     ZSET id -> due ms
    KEYS[4] tasks   HASH id -> record

    ARGV[1] limit  most claims to reclaim

  Output:
    number of claims put back in due
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local ids = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))
for _, id in ipairs(ids) do
  local lease = rcall('HGET', KEYS[2], id)
  local dueMs = lease and string.match(lease, '^%d+|(%-?%d+)|')
  if not dueMs and rcall('HEXISTS', KEYS[4], id) == 1 then dueMs = now end
  if dueMs then rcall('ZADD', KEYS[3], dueMs, id) end
  rcall('ZREM', KEYS[1], id)
  rcall('HDEL', KEYS[2], id)
end
return #ids
