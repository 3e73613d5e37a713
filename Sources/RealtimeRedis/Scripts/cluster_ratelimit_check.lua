-- Redis Cluster rate-limit check: a subject's counters share its hash tag, so all
-- its limits are checked and counted in one call on one shard; the event's own work
-- (publish, presence) follows on its channel's shard, and a rejection is tallied in
-- the {rt} slot by the caller.
-- KEYS: one counter base key per limit. ARGV: (rate, duration) per limit.
-- Returns 0 when allowed (and counted), else the 1-based index of the first limit exceeded.
local now = tonumber(redis.call('TIME')[1])
local windows = {}
for i = 1, #KEYS do
  local duration = tonumber(ARGV[2 * i])
  local key = KEYS[i] .. ':' .. math.floor(now / duration)
  if tonumber(redis.call('GET', key) or '0') >= tonumber(ARGV[2 * i - 1]) then return i end
  windows[i] = {key, duration}
end
for i = 1, #KEYS do
  if redis.call('INCR', windows[i][1]) == 1 then
    redis.call('EXPIRE', windows[i][1], windows[i][2] + 1)
  end
end
return 0
