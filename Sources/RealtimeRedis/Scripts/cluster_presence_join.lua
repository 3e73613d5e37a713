-- Redis Cluster join: the member's record and its announcement, on the channel's
-- shard (the presence hash and the sharded topic share the channel's hash tag). The
-- per-node index and the channel list live in the {rt} slot and are written beside.
-- KEYS[1] presence hash. ARGV: member id, record JSON, topic, payload.
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('SPUBLISH', ARGV[3], ARGV[4])
return 1
