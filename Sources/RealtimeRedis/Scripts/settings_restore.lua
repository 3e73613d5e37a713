-- An edge's periodic check that the stored settings are still there (SPEC §7).
-- Writes this edge's settings back, and announces them, when nothing is stored
-- (Redis restarted empty, flushed, failed over to a replica that lacked them) or
-- an older version is (a new edge seeded version 0 meanwhile); never overwrites a
-- newer version.
-- KEYS[1] rt:settings, KEYS[2] rt:ctl
-- ARGV[1] the settings JSON this edge enforces, ARGV[2] its version
-- Returns 1 when written back, 0 when the stored version is the same, or the
-- stored settings when they are newer (the edge missed their announcement).
local mine = tonumber(ARGV[2])
local stored = redis.call('GET', KEYS[1])
if stored then
  local ok, doc = pcall(cjson.decode, stored)
  local theirs = -1
  if ok and type(doc) == 'table' and tonumber(doc.version) then
    theirs = tonumber(doc.version)
  end
  if theirs > mine then
    return stored
  end
  if theirs == mine then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PUBLISH', KEYS[2], 'settings\n' .. ARGV[1])
return 1
