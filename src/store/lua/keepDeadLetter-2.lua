--[[
  Keep a rejected message in the dead-letter list, newest first, and drop the oldest entries while
  the list holds more than maxCount entries or more than maxBytes bytes.

  Input:
    KEYS[1] dead       LIST dead-letter entries (JSON), newest first
    KEYS[2] deadBytes  STRING total bytes of the entries in KEYS[1]

    ARGV[1] entry     the entry to keep
    ARGV[2] maxCount  most entries kept
    ARGV[3] maxBytes  most bytes kept

  Output:
    number of older entries dropped to make room
]]
local rcall = redis.call
local maxCount, maxBytes = tonumber(ARGV[2]), tonumber(ARGV[3])

local count = rcall('LPUSH', KEYS[1], ARGV[1])
local bytes = rcall('INCRBY', KEYS[2], #ARGV[1])
local dropped = 0
while count > 1 and (count > maxCount or bytes > maxBytes) do
  local oldest = rcall('RPOP', KEYS[1])
  bytes = rcall('DECRBY', KEYS[2], #oldest)
  count = count - 1
  dropped = dropped + 1
end
return dropped
