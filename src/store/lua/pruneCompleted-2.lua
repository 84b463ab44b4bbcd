--[[
  Forget completed tasks older than the retention window, so the same id and record can be
  accepted again as a new task.

  Input:
    KEYS[1] doneAt  ZSET id -> completion ms
    KEYS[2] done    HASH id -> sha1hex(record)

    ARGV[1] retentionMs  keep completions newer than now - retentionMs
    ARGV[2] limit        most entries to prune

  Output:
    number of entries pruned
]]
local rcall = redis.call
local t = rcall('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)

local ids = rcall('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]), 'LIMIT', 0,
  tonumber(ARGV[2]))
for _, id in ipairs(ids) do
  rcall('ZREM', KEYS[1], id)
  rcall('HDEL', KEYS[2], id)
end
return #ids
