--[[
  Give claims back at once (graceful shutdown): each claim whose token is still current returns
  to the due set at its due time.

  Input:
    KEYS[1] leased  ZSET id -> lease expiry ms
    KEYS[2] lease   HASH id -> token|dueMs|owner
    KEYS[3] due     ZSET id -> due ms
    KEYS[4] running ZSET id -> start ms of its started run

    ARGV[1..] pairs  id, token

  Output:
    number of claims released (stale ones are skipped)
]]
local rcall = redis.call
local K = { leased = KEYS[1], lease = KEYS[2], due = KEYS[3], running = KEYS[4] }
-- @include lease

local released = 0
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lease = readLease(id)
  if lease and lease.token == token then
    rcall('ZADD', K.due, lease.dueMs, id)
    dropLease(id)
    released = released + 1
  end
end
return released
