-- Redis Cluster update of one channel's record, announced on its sharded topic.
-- KEYS[1] presence hash. ARGV: member id, record JSON, topic, payload.
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return 1
