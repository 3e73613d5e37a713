local updated = 0
for i = 3, #ARGV, 3 do
  local key = 'rt:presence:' .. ARGV[i]
  if redis.call('HEXISTS', key, ARGV[1]) == 1 then
    updated = updated + 1
    redis.call('HSET', key, ARGV[1], ARGV[2])
    redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2])
  end
end
return updated
