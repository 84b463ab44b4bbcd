--[[
  Accept a batch of submitted tasks: store new ones, replace changed ones, ignore repeats and stale
  replays, and claim at once for the accepting instance those due within its window.

  A submission is an ID with one content (its record, less ingest's payloadChecked mark: see
  digest.lua). It is applied once: a repeat of the live content is a duplicate; content that ran
  within the retention is completed; content the ID held and left (replaced by newer content)
  within the replay window is a stale replay, so an instance that hears an old message late cannot
  bring old content back.

  Input:
    KEYS[1]  tasks        HASH id -> record
    KEYS[2]  due          ZSET id -> due ms
    KEYS[3]  leased       ZSET id -> lease expiry ms
    KEYS[4]  lease        HASH id -> token|dueMs|owner
    KEYS[5]  fence        STRING claim counter
    KEYS[6]  attempts     HASH id -> starts of the current occurrence
    KEYS[7]  period       HASH id -> intervalMs|endTimeMs|jitterMs (periodic tasks only)
    KEYS[8]  completed    ZSET submission digest -> completion ms
    KEYS[9]  replaced     ZSET submission digest -> ms it was replaced
    KEYS[10] failed       ZSET id -> failure ms
    KEYS[11] failures     HASH id -> last failure JSON
    KEYS[12] failedBytes  STRING bytes held by failed tasks
    KEYS[13] superseded   HASH id -> token|leaseExpiryMs|reason of a run superseded while running
    KEYS[14] running      ZSET id -> start ms of its started run
    KEYS[15] stalls       HASH id -> lost runs of the current occurrence

    ARGV[1]  owner           instance that claims the tasks due within the window
    ARGV[2]  windowMs        claim tasks due at or before now + windowMs; '' claims none
    ARGV[3]  leaseMs         lease length of such a claim, counted from max(dueMs, now)
    ARGV[4]  retentionMs     how long completed submissions are remembered
    ARGV[5]  replayWindowMs  how long replaced submissions are remembered
    ARGV[6..] quadruples     id, record, dueMs (integer ms), period ('' or intervalMs|endTimeMs|jitterMs)

  Output:
    { nowMs, code1, token1, code2, token2, ... }
    code  ACCEPT.duplicate, stored, rescheduled, completed or replayed (codes.lua)
    token fencing token when claimed for owner, else 0
]]
local rcall = redis.call
local K = { tasks = KEYS[1], due = KEYS[2], leased = KEYS[3], lease = KEYS[4], fence = KEYS[5],
  attempts = KEYS[6], period = KEYS[7], completed = KEYS[8], replaced = KEYS[9],
  failed = KEYS[10], failures = KEYS[11], failedBytes = KEYS[12], superseded = KEYS[13], running = KEYS[14], stalls = KEYS[15] }
-- @include codes
-- @include now
-- @include lease
-- @include superseded
-- @include claim
-- @include digest
-- @include failed

local now = nowMs()
local owner, leaseMs = ARGV[1], tonumber(ARGV[3])
local horizon = ARGV[2] == '' and -math.huge or now + tonumber(ARGV[2])
local completedSince, replacedSince = now - tonumber(ARGV[4]), now - tonumber(ARGV[5])

local function schedule(id, dueMs)
  if tonumber(dueMs) > horizon then
    rcall('ZADD', K.due, dueMs, id)
    return 0
  end
  return claim(id, dueMs, owner, leaseMs, now)
end

local function write(id, record, period)
  rcall('HSET', K.tasks, id, record)
  if period == '' then rcall('HDEL', K.period, id) else rcall('HSET', K.period, id, period) end
end

-- The live content leaves: remembered as replaced; a run of it that has started is superseded, so
-- that the new content does not start before that run has stopped or its lease has run out.
local function retire(id, live)
  rcall('ZADD', K.replaced, now, submissionDigest(id, live))
  supersede(id, LOST.rescheduled)
  dropLease(id)
  rcall('ZREM', K.due, id)
  rcall('HDEL', K.attempts, id)
  rcall('HDEL', K.stalls, id)
  forgetFailure(id, live)
end

local out = { now }
for i = 6, #ARGV, 4 do
  local id, record, dueMs, period = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local code, token = ACCEPT.duplicate, 0
  local live = rcall('HGET', K.tasks, id)
  -- The live content with or without ingest's payloadChecked mark (digest.lua) is a duplicate
  -- too: the live record is kept as it is, marked or not.
  if live ~= record and not (live and contentOf(live) == contentOf(record)) then
    local digest = submissionDigest(id, record)
    if rememberedSince(K.replaced, digest, replacedSince) then
      code = ACCEPT.replayed
    elseif rememberedSince(K.completed, digest, completedSince) then
      code = ACCEPT.completed
    else
      if live then
        retire(id, live)
        code = ACCEPT.rescheduled
      else
        code = ACCEPT.stored
      end
      write(id, record, period)
      token = schedule(id, dueMs)
    end
  end
  out[#out + 1] = code
  out[#out + 1] = token
end
return out
