--[[
  Give claims back at once (graceful shutdown): each claim whose token is still current returns
  to the due set at its due time.

  Input:
    KEYS[1] leased  ZSET id -> lease expiry ms
    KEYS[2] lease   HASH id -> token|dueMs|owner
    KEYS[3] due     ZSET id -> due ms

    ARGV[1..] pairs  id, token

  Output:
    number of claims released (stale ones are skipped)
]]
local rcall = redis.call

local released = 0
for i = 1, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lease = rcall('HGET', KEYS[2], id)
  local tok, dueMs
  if lease then tok, dueMs = string.match(lease, '^(%d+)|(%-?%d+)|') end
  if tok == token then
    rcall('ZADD', KEYS[3], dueMs, id)
    rcall('ZREM', KEYS[1], id)
    rcall('HDEL', KEYS[2], id)
    released = released + 1
  end
end
return released
