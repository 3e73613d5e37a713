local removed = 0
for i = 2, #ARGV, 3 do
  local channel = ARGV[i]
  local key = 'rt:presence:' .. channel
  if redis.call('HDEL', key, ARGV[1]) == 1 then
    removed = removed + 1
    redis.call('SREM', KEYS[1], ARGV[1] .. '\n' .. channel)
    if redis.call('HLEN', key) == 0 then redis.call('SREM', KEYS[2], channel) end
    redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2])
  end
end
return removed
