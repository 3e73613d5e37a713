import RealtimeCore
import RedisClient

/// Scripts of connection state recovery and channel history (KEYSPACE.md).
enum RecoveryScripts {
    /// Logs and/or keeps a message in its channel's history, and publishes it: the
    /// publish path's one round trip, with the log id spliced into the delivered frame.
    static let publish = RedisScript(lua: PackageResources.recovery_publish_lua)
    /// The same behind the rate-limit prologue (a client's message).
    static let limitedPublish = RateLimitScript.limited(publish)
    /// Rewrites a session snapshot only while it is still the writer's own.
    static let keep = RedisScript(lua: PackageResources.recovery_keep_lua)
    /// What a recovering session missed, filtered in Redis so only its messages travel.
    static let missed = RedisScript(lua: PackageResources.recovery_missed_lua)
}
