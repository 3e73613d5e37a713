local L = tonumber(ARGV[1])
if L > 0 then
  local now = tonumber(redis.call('TIME')[1])
  local windows = {}
  for i = 1, L do
    local duration = tonumber(ARGV[3 * i])
    local key = KEYS[i] .. ':' .. math.floor(now / duration)
    if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[3 * i - 1]) then
      redis.call('HINCRBY', 'rt:rl:rejections', ARGV[3 * i + 1], 1)
      redis.call('ZINCRBY', 'rt:rl:top', 1, ARGV[3 * L + 2])
      redis.call('EXPIRE', 'rt:rl:top', 3600)
      return redis.error_reply('RATELIMIT ' .. i)
    end
    windows[i] = {key, duration}
  end
  for i = 1, L do
    if redis.call('INCR', windows[i][1]) == 1 then
      redis.call('EXPIRE', windows[i][1], windows[i][2] + 1)
    end
  end
end
local KEYS = {unpack(KEYS, L + 1)}
local ARGV = {unpack(ARGV, 3 * L + 3)}
