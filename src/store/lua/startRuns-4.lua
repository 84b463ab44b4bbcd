--[[
  Start the runs of claimed tasks whose fencing token is still current and whose due time has
  come by the Redis clock: switch the lease to a running lease from now, count the start and hand
  back the record. A claim not yet due (its instance's clock ran ahead) is left as it is.

  Input:
    KEYS[1] tasks     HASH id -> record
    KEYS[2] leased    ZSET id -> lease expiry ms
    KEYS[3] lease     HASH id -> token|dueMs|owner
    KEYS[4] attempts  HASH id -> starts of the current occurrence

    ARGV[1] leaseMs   running lease length, counted from now
    ARGV[2..] pairs   id, token

  Output:
    { nowMs, record1, attempt1, record2, attempt2, ... }
    record '' and attempt 0 when the claim is stale (token superseded or lease gone): do not run
    record '' and attempt -1 when the claim is current but not yet due: try again at its due time
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local expiry = now + tonumber(ARGV[1])

local out = { now }
for i = 2, #ARGV, 2 do
  local id, token = ARGV[i], ARGV[i + 1]
  local lease = rcall('HGET', KEYS[3], id)
  local tok, dueMs
  if lease then tok, dueMs = string.match(lease, '^(%d+)|(%-?%d+)|') end
  local record = tok == token and rcall('HGET', KEYS[1], id)
  if record and tonumber(dueMs) > now then
    out[#out + 1] = ''
    out[#out + 1] = -1
  elseif record then
    rcall('ZADD', KEYS[2], expiry, id)
    out[#out + 1] = record
    out[#out + 1] = rcall('HINCRBY', KEYS[4], id, 1)
  else
    out[#out + 1] = ''
    out[#out + 1] = 0
  end
end
return out
