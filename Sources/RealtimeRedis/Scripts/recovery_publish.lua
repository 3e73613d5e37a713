-- KEYS: recovery log stream, channel history stream (may be unused).
-- ARGV: topic, excluded socket id ('' none), frame, channel ('' for a broadcast),
--       log window ms (0: not logged), log length cap, history size (0: none), history ttl ms.
-- Keeps the message, then publishes it (with its log id as the last argument when
-- logged), so the subscribers' frame and the log agree: one round trip in all.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local frame = ARGV[3]
local window = tonumber(ARGV[5])
if window > 0 then
  local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[6], '*', 'c', ARGV[4], 'x', ARGV[2], 'f', ARGV[3])
  redis.call('XTRIM', KEYS[1], 'MINID', '~', now - window)
  frame = string.sub(frame, 1, -2) .. ',"' .. id .. '"]'
end
local size = tonumber(ARGV[7])
if size > 0 then
  local ttl = tonumber(ARGV[8])
  redis.call('XADD', KEYS[2], 'MAXLEN', size, '*', 'x', ARGV[2], 'f', ARGV[3])
  redis.call('XTRIM', KEYS[2], 'MINID', now - ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
end
-- The envelope (Envelope.swift): publish time in microseconds (Redis's clock), the
-- excluded id, then the frame.
redis.call('PUBLISH', ARGV[1], t[1] .. string.format('%06d', tonumber(t[2])) .. ' ' .. ARGV[2] .. '\n' .. frame)
return 0
