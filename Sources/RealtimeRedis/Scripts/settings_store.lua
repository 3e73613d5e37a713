-- A settings change (PUT /api/v1/config, `realtime config set`): stored with a
-- version above both the stored one and the one the changing edge enforces, and
-- announced on the control topic, in one atomic step so two concurrent changes
-- can never get the same version.
-- KEYS[1] rt:settings, KEYS[2] rt:ctl
-- ARGV[1] the settings JSON object without "version", ARGV[2] the floor version
local version = tonumber(ARGV[2]) or 0
local stored = redis.call('GET', KEYS[1])
if stored then
  local ok, doc = pcall(cjson.decode, stored)
  if ok and type(doc) == 'table' and tonumber(doc.version) and tonumber(doc.version) > version then
    version = tonumber(doc.version)
  end
end
version = version + 1
local body = ARGV[1]
local json
if body == '{}' then
  json = string.format('{"version":%d}', version)
else
  json = string.format('{"version":%d,', version) .. string.sub(body, 2)
end
redis.call('SET', KEYS[1], json)
redis.call('PUBLISH', KEYS[2], 'settings\n' .. json)
return json
