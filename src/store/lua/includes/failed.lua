--[[
  Failed once tasks keep their record (to inspect and requeue) in the failed set; failedBytes
  counts the bytes of their records and last failures, so that the set is bounded by bytes too.
]]
local function keepFailed(id, record, failure, now)
  rcall('ZADD', K.failed, now, id)
  rcall('HSET', K.failures, id, failure)
  rcall('INCRBY', K.failedBytes, #record + #failure)
end

-- Forgets the last failure of id, and its place in the failed set when it has one.
local function forgetFailure(id, record)
  local failureBytes = rcall('HSTRLEN', K.failures, id)
  rcall('HDEL', K.failures, id)
  if rcall('ZREM', K.failed, id) == 1 then
    rcall('DECRBY', K.failedBytes, #record + failureBytes)
  end
end
