-- Redis server time in ms: every script judges due times and leases by this one clock.
local function nowMs()
  local t = rcall('TIME')
  return t[1] * 1000 + math.floor(t[2] / 1000)
end
