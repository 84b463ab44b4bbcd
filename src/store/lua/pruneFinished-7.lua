--[[
  Keep what finished tasks leave behind within its bounds, oldest first: completed submissions
  (by age and count), replaced submissions (by age), failed tasks with their records (by age, count
  and bytes). At most limit entries of each per call.

  Input:
    KEYS[1] completed    ZSET submission digest -> completion ms
    KEYS[2] replaced     ZSET submission digest -> ms it was replaced
    KEYS[3] failed       ZSET id -> failure ms
    KEYS[4] failures     HASH id -> last failure JSON
    KEYS[5] failedBytes  STRING bytes held by failed tasks
    KEYS[6] tasks        HASH id -> record
    KEYS[7] period       HASH id -> intervalMs|endTimeMs

    ARGV[1] completedRetentionMs
    ARGV[2] completedMax
    ARGV[3] replayWindowMs
    ARGV[4] failedRetentionMs
    ARGV[5] failedMax
    ARGV[6] failedMaxBytes
    ARGV[7] limit

  Output:
    number of entries pruned
]]
local rcall = redis.call
local K = { completed = KEYS[1], replaced = KEYS[2], failed = KEYS[3], failures = KEYS[4],
  failedBytes = KEYS[5], tasks = KEYS[6], period = KEYS[7] }
-- @include now
-- @include failed

local now = nowMs()
local limit = tonumber(ARGV[7])

-- Removes the oldest entries of a set of digests: those older than cutoff, then those past max.
local function trim(set, cutoff, max)
  local old = rcall('ZCOUNT', set, '-inf', '(' .. cutoff)
  local excess = max and (rcall('ZCARD', set) - max) or 0
  local n = math.min(math.max(old, excess), limit)
  if n > 0 then rcall('ZREMRANGEBYRANK', set, 0, n - 1) end
  return n
end

local function trimFailed(cutoff, max, maxBytes)
  local n = 0
  while n < limit do
    local oldest = rcall('ZRANGE', K.failed, 0, 0, 'WITHSCORES')
    if #oldest == 0 then break end
    local over = tonumber(oldest[2]) < cutoff or rcall('ZCARD', K.failed) > max or
      tonumber(rcall('GET', K.failedBytes) or '0') > maxBytes
    if not over then break end
    local id = oldest[1]
    forgetFailure(id, rcall('HGET', K.tasks, id) or '')
    rcall('HDEL', K.tasks, id)
    rcall('HDEL', K.period, id)
    n = n + 1
  end
  return n
end

return trim(K.completed, now - tonumber(ARGV[1]), tonumber(ARGV[2])) +
  trim(K.replaced, now - tonumber(ARGV[3]), nil) +
  trimFailed(now - tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]))
