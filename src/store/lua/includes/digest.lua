--[[
  Names one submission (an ID with one content) in 12 bytes, the size a sorted-set member needs to
  stay in the smallest allocation: what the completed and replaced sets remember, for any record
  length. 96 bits: a collision among a billion remembered submissions has odds below 1e-10.
]]
local function submissionDigest(id, record)
  local hex = string.sub(redis.sha1hex(id .. '\n' .. record), 1, 24)
  return (string.gsub(hex, '..', function(pair) return string.char(tonumber(pair, 16)) end))
end

local function rememberedSince(set, digest, since)
  local at = rcall('ZSCORE', set, digest)
  return at ~= false and tonumber(at) >= since
end
