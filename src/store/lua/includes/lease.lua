--[[
  A lease is 'token|dueMs|owner' while its claim waits to start, and 'token|dueMs|owner|run' once
  its run has started. dueMs stays text, so that it goes back into a sorted set exactly as it came.
]]
local function readLease(id)
  local value = rcall('HGET', K.lease, id)
  if not value then return nil end
  local token, dueMs, owner, state = string.match(value, '^(%d+)|(%-?%d+)|([^|]*)|?(%a*)$')
  if not token then return nil end
  return { token = token, dueMs = dueMs, owner = owner, running = state == 'run' }
end

local function dropLease(id)
  rcall('ZREM', K.leased, id)
  rcall('HDEL', K.lease, id)
end
