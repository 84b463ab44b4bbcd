--[[
  Extend the leases an instance still holds (heartbeat for long runs and wheel contents).

  Input:
    KEYS[1] leased  ZSET id -> lease expiry ms
    KEYS[2] lease   HASH id -> token|dueMs|owner

    ARGV[1] leaseMs  new lease length, counted from now
    ARGV[2..] pairs  id, token

  Output:
    { lostId1, lostId2, ... } ids whose token is no longer current (nothing changed for them)
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local expiry = now + tonumber(ARGV[1])

local lost = {}
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lease = rcall('HGET', KEYS[2], id)
  if lease and string.match(lease, '^(%d+)|') == token then
    rcall('ZADD', KEYS[1], expiry, id)
  else
    lost[#lost + 1] = id
  end
end
return lost
