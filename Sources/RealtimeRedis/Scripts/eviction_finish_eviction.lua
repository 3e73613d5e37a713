redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[4], '1', 'EX', 86400)
if redis.call('SREM', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[3], 'nodes', 1)
if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
return 1
