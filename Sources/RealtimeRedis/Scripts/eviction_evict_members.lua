local removed = 0
for i = 4, #ARGV, 4 do
  local entry, channel, member, payload = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local key = ARGV[2] .. channel
  if payload ~= '' then
    local record = redis.call('HGET', key, member)
    if record then
      local ok, decoded = pcall(cjson.decode, record)
      if ok and type(decoded) == 'table' and decoded['node'] == ARGV[1] then
        redis.call('HDEL', key, member)
        if redis.call('HLEN', key) == 0 then redis.call('SREM', KEYS[2], channel) end
        redis.call('PUBLISH', ARGV[3] .. channel, payload)
        removed = removed + 1
      end
    end
  end
  redis.call('SREM', KEYS[1], entry)
end
if removed > 0 then redis.call('HINCRBY', KEYS[3], 'members', removed) end
return removed
