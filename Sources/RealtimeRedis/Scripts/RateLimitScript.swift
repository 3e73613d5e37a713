import RealtimeCore
import RedisClient

/// Checks every limit and, only if none is exceeded, counts the event against all
/// of them and (optionally) publishes the message: the whole client event costs one
/// round trip. Windows are fixed, aligned on Redis' clock so every edge agrees, and
/// counters expire with their window so keys never accumulate.
///
/// KEYS: one counter base key per limit (`rt:rl:<name>:<subject>`).
/// ARGV: (rate, duration, name) per limit, then the subject, then optionally a
/// topic and a payload to publish.
/// Returns 0 when allowed, else the 1-based index of the first limit exceeded.
enum RateLimitScript {
    /// Prepended to a script to rate-limit it in the same call. Expects
    /// KEYS = (one counter base key per limit) ++ the script's own keys, and
    /// ARGV = (limit count L, then rate, duration, name per limit, then the subject)
    /// ++ the script's own arguments; L may be 0. On rejection it counts the
    /// rejection and answers the error `RATELIMIT <1-based index>`; otherwise it
    /// counts the event and rebinds KEYS and ARGV to the script's own part.
    static let prologue = String(decoding: PackageResources.ratelimit_prologue_lua, as: UTF8.self)

    /// `script` behind the rate-limit prologue.
    static func limited(_ script: RedisScript) -> RedisScript {
        RedisScript(prologue + script.source)
    }

    static let join = limited(PresenceScripts.join)
    static let leave = limited(PresenceScripts.leave)
    static let update = limited(PresenceScripts.update)
    static let members = limited(RedisScript(lua: PackageResources.presence_members_lua))

    static let checkAndPublish = RedisScript(lua: PackageResources.ratelimit_check_and_publish_lua)
}
