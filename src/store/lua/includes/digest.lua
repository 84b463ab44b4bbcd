--[[
  A record's content: the record without the mark ingest adds when a payload class checked the
  payload on arrival (TaskSpec.payloadChecked, always the last key). The mark only spares the runner
  a second check: the same task stored through the outside door (the CLI, DelayTaskClient.send:
  unmarked) and through ingest (marked) is one submission. Only the record's end is compared, so
  the mark cannot come from a producer: a payload that ends with that text ends the record in '}}'.
]]
local CHECKED_MARK = ',"payloadChecked":true}'

local function contentOf(record)
  if string.sub(record, -#CHECKED_MARK) ~= CHECKED_MARK then return record end
  return string.sub(record, 1, -#CHECKED_MARK - 1) .. '}'
end

--[[
  Names one submission (an ID with one content) in 12 bytes, the size a sorted-set member needs to
  stay in the smallest allocation: what the completed and replaced sets remember, for any record
  length. 96 bits: a collision among a billion remembered submissions has odds below 1e-10. The
  content is digested without the mark, so that a digest remembered before the mark existed still
  names its submission.
]]
local function submissionDigest(id, record)
  local hex = string.sub(redis.sha1hex(id .. '\n' .. contentOf(record)), 1, 24)
  return (string.gsub(hex, '..', function(pair) return string.char(tonumber(pair, 16)) end))
end

local function rememberedSince(set, digest, since)
  local at = rcall('ZSCORE', set, digest)
  return at ~= false and tonumber(at) >= since
end
