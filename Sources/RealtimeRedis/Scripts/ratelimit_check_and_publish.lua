local now = tonumber(redis.call('TIME')[1])
local n = #KEYS
local keys = {}
for i = 1, n do
  local duration = tonumber(ARGV[3 * i - 1])
  local key = KEYS[i] .. ':' .. math.floor(now / duration)
  local count = tonumber(redis.call('GET', key) or '0')
  if count >= tonumber(ARGV[3 * i - 2]) then
    redis.call('HINCRBY', 'rt:rl:rejections', ARGV[3 * i], 1)
    redis.call('ZINCRBY', 'rt:rl:top', 1, ARGV[3 * n + 1])
    redis.call('EXPIRE', 'rt:rl:top', 3600)
    return i
  end
  keys[i] = {key, duration}
end
for i = 1, n do
  if redis.call('INCR', keys[i][1]) == 1 then
    redis.call('EXPIRE', keys[i][1], keys[i][2] + 1)
  end
end
if ARGV[3 * n + 2] then
  redis.call('PUBLISH', ARGV[3 * n + 2], ARGV[3 * n + 3])
end
return 0
