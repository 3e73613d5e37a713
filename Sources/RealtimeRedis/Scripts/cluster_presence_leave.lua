-- Redis Cluster leave of one channel, or a dead node's member evicted from it.
-- KEYS[1] presence hash. ARGV: member id, topic, payload, and for an eviction the
-- dead node's id (the record is removed only if that node still holds it).
-- Returns {removed (0/1), members left}.
if ARGV[4] then
  local record = redis.call('HGET', KEYS[1], ARGV[1])
  if not record then return {0, redis.call('HLEN', KEYS[1])} end
  local ok, decoded = pcall(cjson.decode, record)
  if not ok or type(decoded) ~= 'table' or decoded['node'] ~= ARGV[4] then
    return {0, redis.call('HLEN', KEYS[1])}
  end
end
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return {0, redis.call('HLEN', KEYS[1])} end
if ARGV[3] ~= '' then redis.call('SPUBLISH', ARGV[2], ARGV[3]) end
return {1, redis.call('HLEN', KEYS[1])}
