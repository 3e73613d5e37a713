import RedisClient

/// Lua scripts that change presence and announce it in the same round trip, so a
/// member list and its channel events never disagree.
enum PresenceScripts {
    /// KEYS: presence hash, node index, channels set.
    /// ARGV: member id, record JSON, index entry, channel, topic, payload.
    /// Returns 1 when added, 0 when it already was a member (nothing announced).
    static let join = RedisScript("""
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        redis.call('SADD', KEYS[2], ARGV[3])
        redis.call('SADD', KEYS[3], ARGV[4])
        redis.call('PUBLISH', ARGV[5], ARGV[6])
        return 1
        """)

    /// KEYS: node index, channels set. ARGV: member id, then (channel, topic, payload)
    /// triples. Removes the member from each channel it is in and announces it.
    static let leave = RedisScript("""
        local removed = 0
        for i = 2, #ARGV, 3 do
          local channel = ARGV[i]
          local key = 'rt:presence:' .. channel
          if redis.call('HDEL', key, ARGV[1]) == 1 then
            removed = removed + 1
            redis.call('SREM', KEYS[1], ARGV[1] .. '\\n' .. channel)
            if redis.call('HLEN', key) == 0 then redis.call('SREM', KEYS[2], channel) end
            redis.call('PUBLISH', ARGV[i + 1], ARGV[i + 2])
          end
        end
        return removed
        """)

    /// ARGV: member id, record JSON, then (channel, topic, payload) triples.
    /// Rewrites the record where the member is present and announces the update.
    static let update = RedisScript("""
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
        """)
}
