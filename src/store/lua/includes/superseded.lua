-- @include lease
--[[
  A started run whose task took new content or was cancelled while it ran is superseded:
  'token|leaseExpiryMs|reason' (reason a LOST code), so that it is told why it lost its lease, and
  so that the task's next run waits until this one has stopped or its lease has run out.
  Needs the lease include.
]]
local function supersede(id, reason)
  local lease = readLease(id)
  if not lease or not isRunning(id) then return nil end
  rcall('HSET', K.superseded, id,
    lease.token .. '|' .. rcall('ZSCORE', K.leased, id) .. '|' .. reason)
  return lease.token
end

local function readSuperseded(id)
  local value = rcall('HGET', K.superseded, id)
  if not value then return nil end
  local token, untilMs, reason = string.match(value, '^(%d+)|(%d+)|(%d+)$')
  return { token = token, untilMs = tonumber(untilMs), reason = tonumber(reason) }
end
