--[[
  Record the outcome of finished runs. Periodic tasks move to their next occurrence on the fixed
  grid dueMs + k * intervalMs (missed occurrences collapse into one) until endTimeMs; once tasks
  become done (ok) or failed (error, timeout; the record stays).

  Input:
    KEYS[1] tasks     HASH id -> record
    KEYS[2] due       ZSET id -> due ms
    KEYS[3] leased    ZSET id -> lease expiry ms
    KEYS[4] lease     HASH id -> token|dueMs|owner
    KEYS[5] attempts  HASH id -> starts of the current occurrence
    KEYS[6] done      HASH id -> sha1hex(record)
    KEYS[7] doneAt    ZSET id -> completion ms
    KEYS[8] failed    ZSET id -> failure ms
    KEYS[9] failures  HASH id -> last failure JSON

    ARGV[1..] quadruples  id, token, outcome ('ok' | 'error' | 'timeout'), failureJson ('' if ok)

  Output:
    { nowMs, code1, code2, ... }
    code -1 stale (token superseded or lease gone, nothing changed)
          1 done (once task ok, or periodic task past its end time)
          2 next (periodic task scheduled at its next occurrence)
          3 failed (once task error or timeout)
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local function finish(id, record)
  rcall('HDEL', KEYS[1], id)
  rcall('HDEL', KEYS[9], id)
  rcall('HSET', KEYS[6], id, redis.sha1hex(record))
  rcall('ZADD', KEYS[7], now, id)
  return 1
end

local out = { now }
for i = 1, #ARGV, 4 do
  local id, token, outcome, failure = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local code = -1
  local lease = rcall('HGET', KEYS[4], id)
  local tok, dueMs
  if lease then tok, dueMs = string.match(lease, '^(%d+)|(%-?%d+)|') end
  if tok == token then
    rcall('ZREM', KEYS[3], id)
    rcall('HDEL', KEYS[4], id)
    rcall('HDEL', KEYS[5], id)
    local record = rcall('HGET', KEYS[1], id)
    local ok, spec = pcall(cjson.decode, record or '')
    if not ok or type(spec) ~= 'table' then spec = {} end
    local interval, endMs = spec.intervalMs, spec.endTimeMs
    if not record then
      code = 1
    elseif type(interval) == 'number' and interval > 0 then
      local due = tonumber(dueMs)
      local nextMs = due + interval * (math.max(0, math.floor((now - due) / interval)) + 1)
      if type(endMs) ~= 'number' or nextMs <= endMs then
        if outcome ~= 'ok' then rcall('HSET', KEYS[9], id, failure) end
        rcall('ZADD', KEYS[2], nextMs, id)
        code = 2
      else
        code = finish(id, record)
      end
    elseif outcome == 'ok' then
      code = finish(id, record)
    else
      rcall('ZADD', KEYS[8], now, id)
      rcall('HSET', KEYS[9], id, failure)
      code = 3
    end
  end
  out[#out + 1] = code
end
return out
