--[[
  The one way a task is claimed: a new fencing token, a lease for owner that lasts leaseMs past
  max(dueMs, now). Used by acceptTasks (due within the accepting instance's window), claimDue (the
  window refill) and completeRuns (a periodic task's next occurrence).
]]
local function claim(id, dueMs, owner, leaseMs, now)
  local token = rcall('INCR', K.fence)
  rcall('ZADD', K.leased, math.max(tonumber(dueMs), now) + leaseMs, id)
  rcall('HSET', K.lease, id, token .. '|' .. dueMs .. '|' .. owner)
  return token
end
