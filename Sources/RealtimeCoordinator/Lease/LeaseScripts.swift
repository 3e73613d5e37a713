import RedisClient

/// The leader lease is one Redis string holding the leader's id with a TTL.
/// Renewing and releasing compare the holder first, so a coordinator that was
/// paused past its lease can never extend or delete its successor's lease.
enum LeaseScripts {
    /// KEYS: lease. ARGV: coordinator id, TTL in ms. Returns 1 while we hold it.
    static let renew = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """)

    /// KEYS: lease. ARGV: coordinator id. Lets the other coordinator take over at
    /// once on a graceful shutdown instead of waiting for the TTL.
    static let release = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
