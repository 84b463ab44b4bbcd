--[[
  Accept a batch of submitted tasks: store new ones, replace changed ones, ignore repeats, and
  claim at once for the accepting instance those due within its window.

  Input:
    KEYS[1]  tasks     HASH id -> record
    KEYS[2]  due       ZSET id -> due ms
    KEYS[3]  leased    ZSET id -> lease expiry ms
    KEYS[4]  lease     HASH id -> token|dueMs|owner
    KEYS[5]  fence     STRING claim counter
    KEYS[6]  attempts  HASH id -> starts of the current occurrence
    KEYS[7]  done      HASH id -> sha1hex(record) of completed tasks
    KEYS[8]  doneAt    ZSET id -> completion ms
    KEYS[9]  failed    ZSET id -> failure ms
    KEYS[10] failures  HASH id -> last failure JSON

    ARGV[1]  owner     instance that claims the tasks due within the window
    ARGV[2]  windowMs  claim tasks due at or before now + windowMs; '' claims none
    ARGV[3]  leaseMs   lease length of such a claim, counted from max(dueMs, now)
    ARGV[4..] triples  id, record, dueMs (integer ms)

  Output:
    { nowMs, code1, token1, code2, token2, ... }
    code  0 duplicate (same record live, no change)
          1 stored (new task)
          2 rescheduled (record replaced, old lease dropped)
          3 completed (same record already ran within retention, no change)
    token fencing token when claimed for owner, else 0
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])
local horizon = ARGV[2] == '' and -math.huge or now + tonumber(ARGV[2])

local function schedule(id, dueMs)
  local due = tonumber(dueMs)
  if due > horizon then
    rcall('ZADD', KEYS[2], due, id)
    return 0
  end
  local token = rcall('INCR', KEYS[5])
  rcall('ZADD', KEYS[3], math.max(due, now) + leaseMs, id)
  rcall('HSET', KEYS[4], id, token .. '|' .. dueMs .. '|' .. owner)
  return token
end

local out = { now }
for i = 4, #ARGV, 3 do
  local id, record, dueMs = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local code, token = 0, 0
  local live = rcall('HGET', KEYS[1], id)
  if live then
    if live ~= record then
      rcall('HSET', KEYS[1], id, record)
      rcall('ZREM', KEYS[2], id)
      rcall('ZREM', KEYS[3], id)
      rcall('HDEL', KEYS[4], id)
      rcall('HDEL', KEYS[6], id)
      rcall('ZREM', KEYS[9], id)
      rcall('HDEL', KEYS[10], id)
      code, token = 2, schedule(id, dueMs)
    end
  else
    local doneHash = rcall('HGET', KEYS[7], id)
    if doneHash == redis.sha1hex(record) then
      code = 3
    else
      if doneHash then
        rcall('HDEL', KEYS[7], id)
        rcall('ZREM', KEYS[8], id)
      end
      rcall('HSET', KEYS[1], id, record)
      code, token = 1, schedule(id, dueMs)
    end
  end
  out[#out + 1] = code
  out[#out + 1] = token
end
return out
