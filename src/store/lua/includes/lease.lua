--[[
  A lease is 'token|dueMs|owner' (dueMs stays text, so that it goes back into a sorted set exactly
  as it came); the running set holds the tasks whose claim has become a started run.
]]
local function readLease(id)
  local value = rcall('HGET', K.lease, id)
  if not value then return nil end
  local token, dueMs, owner = string.match(value, '^(%d+)|(%-?%d+)|(.*)$')
  if not token then return nil end
  return { token = token, dueMs = dueMs, owner = owner }
end

local function isRunning(id)
  return rcall('ZSCORE', K.running, id) ~= false
end

local function markRunning(id, now)
  rcall('ZADD', K.running, now, id)
end

-- The lease itself; a claim made afterwards writes both keys again, so it need not come first.
local function forgetLease(id)
  rcall('ZREM', K.leased, id)
  rcall('HDEL', K.lease, id)
end

local function dropLease(id)
  forgetLease(id)
  rcall('ZREM', K.running, id)
end
