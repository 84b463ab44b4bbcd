--[[
  Keep what finished tasks leave behind within its bounds, oldest first: completed submissions
  (by age and count), replaced submissions (by age), the history of done tasks (by age and count),
  failed tasks with their records (by age, count and bytes), cancelled tasks with their records
  (by the failed tasks' age and count). At most limit entries of each per call.

  Input:
    KEYS[1]  completed    ZSET submission digest -> completion ms
    KEYS[2]  replaced     ZSET submission digest -> ms it was replaced
    KEYS[3]  failed       ZSET id -> failure ms
    KEYS[4]  failures     HASH id -> last failure JSON
    KEYS[5]  failedBytes  STRING bytes held by failed tasks
    KEYS[6]  tasks        HASH id -> record
    KEYS[7]  period       HASH id -> intervalMs|endTimeMs|jitterMs (periodic tasks only)
    KEYS[8]  history      HASH id -> record of a done task
    KEYS[9]  historyAt    ZSET id -> ms it was done
    KEYS[10] cancelled    ZSET id -> ms it was cancelled

    ARGV[1] completedRetentionMs
    ARGV[2] completedMax
    ARGV[3] replayWindowMs
    ARGV[4] failedRetentionMs   (also for cancelled tasks)
    ARGV[5] failedMax           (also for cancelled tasks)
    ARGV[6] failedMaxBytes
    ARGV[7] historyRetentionMs
    ARGV[8] historyMax
    ARGV[9] limit

  Output:
    number of entries pruned
]]
local rcall = redis.call
local K = { completed = KEYS[1], replaced = KEYS[2], failed = KEYS[3], failures = KEYS[4],
  failedBytes = KEYS[5], tasks = KEYS[6], period = KEYS[7], history = KEYS[8],
  historyAt = KEYS[9], cancelled = KEYS[10] }
-- @include now
-- @include failed

local now = nowMs()
local limit = tonumber(ARGV[9])

-- How many of the oldest entries of set to drop: those older than cutoff, then those past max.
local function excess(set, cutoff, max)
  local old = rcall('ZCOUNT', set, '-inf', '(' .. cutoff)
  local over = max and (rcall('ZCARD', set) - max) or 0
  return math.min(math.max(old, over), limit)
end

-- Drops the n oldest entries of set, calling forget(id) for each first when given.
local function dropOldest(set, n, forget)
  if n <= 0 then return 0 end
  if forget then
    for _, id in ipairs(rcall('ZRANGE', set, 0, n - 1)) do forget(id) end
  end
  rcall('ZREMRANGEBYRANK', set, 0, n - 1)
  return n
end

local function forgetTask(id)
  rcall('HDEL', K.tasks, id)
  rcall('HDEL', K.period, id)
  rcall('HDEL', K.failures, id)
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
    forgetTask(id)
    n = n + 1
  end
  return n
end

local failedCutoff, failedMax = now - tonumber(ARGV[4]), tonumber(ARGV[5])
local historyCutoff, historyMax = now - tonumber(ARGV[7]), tonumber(ARGV[8])
return dropOldest(K.completed, excess(K.completed, now - tonumber(ARGV[1]), tonumber(ARGV[2]))) +
  dropOldest(K.replaced, excess(K.replaced, now - tonumber(ARGV[3]), nil)) +
  dropOldest(K.historyAt, excess(K.historyAt, historyCutoff, historyMax),
    function(id) rcall('HDEL', K.history, id) end) +
  dropOldest(K.cancelled, excess(K.cancelled, failedCutoff, failedMax), forgetTask) +
  trimFailed(failedCutoff, failedMax, tonumber(ARGV[6]))
