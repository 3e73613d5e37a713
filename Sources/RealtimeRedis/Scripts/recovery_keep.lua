-- KEYS: a session snapshot. ARGV: the new snapshot JSON, TTL seconds, the writer's owner id.
-- Rewrites it only while the stored one is the writer's own: after a recovery took it
-- (and the recovered connection saved its own), the old connection's late cleanup
-- must neither bring it back nor announce a leave.
-- Returns 1 when written, 0 when there is none, 2 when it is another connection's.
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
if cjson.decode(current)['owner'] ~= ARGV[3] then return 2 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1
