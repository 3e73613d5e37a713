import RealtimeCore
import RedisClient

/// The leader lease is one Redis string holding the leader's id with a TTL.
/// Renewing and releasing compare the holder first, so a coordinator that was
/// paused past its lease can never extend or delete its successor's lease.
enum LeaseScripts {
    /// KEYS: lease. ARGV: coordinator id, TTL in ms. Returns 1 while we hold it.
    static let renew = RedisScript(lua: PackageResources.lease_renew_lua)

    /// KEYS: lease. ARGV: coordinator id. Lets the other coordinator take over at
    /// once on a graceful shutdown instead of waiting for the TTL.
    static let release = RedisScript(lua: PackageResources.lease_release_lua)
}
