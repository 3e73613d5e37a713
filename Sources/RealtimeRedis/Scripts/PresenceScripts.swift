import RealtimeCore
import RedisClient

/// Lua scripts that change presence and announce it in the same round trip, so a
/// member list and its channel events never disagree.
enum PresenceScripts {
    /// KEYS: presence hash, node index, channels set.
    /// ARGV: member id, record JSON, index entry, channel, topic, payload.
    /// Returns 1 when added, 0 when it already was a member (nothing announced).
    static let join = RedisScript(lua: PackageResources.presence_join_lua)

    /// KEYS: node index, channels set. ARGV: member id, then (channel, topic, payload)
    /// triples. Removes the member from each channel it is in and announces it.
    static let leave = RedisScript(lua: PackageResources.presence_leave_lua)

    /// ARGV: member id, record JSON, then (channel, topic, payload) triples.
    /// Rewrites the record where the member is present and announces the update.
    static let update = RedisScript(lua: PackageResources.presence_update_lua)
}
