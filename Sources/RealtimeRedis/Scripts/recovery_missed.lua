-- KEYS: recovery log stream. ARGV: offset, socket id, then the session's channels.
-- Returns false when messages after the offset may be gone (the log was lost, or
-- trimmed past the offset, or the offset is not one this log handed out); else
-- {last id of the log, then (id, channel, frame) per message the session missed}:
-- its channels' messages and broadcasts, except those its own sender excluded.
local function before(a, b)
  local am, as = string.match(a, '^(%d+)-(%d+)$')
  local bm, bs = string.match(b, '^(%d+)-(%d+)$')
  am, as, bm, bs = tonumber(am), tonumber(as), tonumber(bm), tonumber(bs)
  return am < bm or (am == bm and as < bs)
end
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local fields = {}
for i = 1, #info, 2 do fields[info[i]] = info[i + 1] end
local last = fields['last-generated-id']
if before(last, ARGV[1]) or before(ARGV[1], fields['max-deleted-entry-id']) then return false end
local wanted = {}
for i = 3, #ARGV do wanted[ARGV[i]] = true end
local out = {last}
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')) do
  local f = {}
  for i = 1, #entry[2], 2 do f[entry[2][i]] = entry[2][i + 1] end
  if f['x'] ~= ARGV[2] and (f['c'] == '' or wanted[f['c']]) then
    out[#out + 1] = entry[1]
    out[#out + 1] = f['c']
    out[#out + 1] = f['f']
  end
end
return out
