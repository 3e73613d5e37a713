import RealtimeCore

/// Every Redis key and pub/sub topic the cluster uses (docs/KEYSPACE.md lists them).
/// Channel names go into keys verbatim: they hold no control characters, and the
/// broker only ever SUBSCRIBEs (never PSUBSCRIBEs) to them, so glob characters in a
/// name match nothing but that name.
public enum RedisKeys {
    public static let prefix = "rt:"

    /// Hash: member id → `{id, data, node, userId}` JSON.
    public static func presence(_ channel: String) -> String { "rt:presence:" + channel }
    /// Set of `memberId \n channel` entries held by one node, for dead-node cleanup.
    public static func nodeIndex(_ node: String) -> String { "rt:node:" + node + ":presence" }
    /// String with TTL: the node's latest stats (its heartbeat).
    public static func nodeHeartbeat(_ node: String) -> String { "rt:node:" + node + ":heartbeat" }
    /// Set when a coordinator evicted the node (its members' leaves were announced).
    public static func nodeEvicted(_ node: String) -> String { "rt:node:" + node + ":evicted" }
    /// Set of every node id ever registered and not yet cleaned up.
    public static let nodes = "rt:nodes"
    /// Set of channels with at least one member.
    public static let channels = "rt:channels"
    /// String: the settings JSON.
    public static let settings = "rt:settings"

    /// Stream: every message published while recovery is on (fields `c` channel or empty
    /// for a broadcast, `x` excluded sender, `f` frame), bounded by length and age.
    public static let recoveryLog = "rt:recovery:log"
    /// String with TTL: a recoverable session's snapshot JSON, under its private id.
    public static func recoverySession(_ pid: String) -> String { "rt:recovery:session:" + pid }
    /// Stream with TTL: a channel's history (fields `x`, `f`), when its rule keeps one.
    public static func history(_ channel: String) -> String { "rt:history:" + channel }

    /// Counter base key of one limit for one subject; the script appends `:<window>`.
    public static func rateLimitCounter(limit: String, subject: String) -> String { "rt:rl:" + limit + ":" + subject }
    /// Hash: limit name → rejections (cluster-wide).
    public static let rateLimitRejections = "rt:rl:rejections"
    /// Sorted set: subject → rejections in the last hour, for "top limited subjects".
    public static let rateLimitTop = "rt:rl:top"

    /// Hash `nodes`, `members`: dead-node cleanups done by any coordinator (or by an
    /// edge reclaiming what its crashed predecessor of the same id left behind).
    public static let cleanups = "rt:coordinator:cleanups"

    /// Topic: a channel's messages and presence events.
    public static func channelTopic(_ channel: String) -> String { "rt:ch:" + channel }
    /// Topic: messages for every client.
    public static let broadcastTopic = "rt:bc"
    /// Topic: one user's events.
    public static func userTopic(_ userId: String) -> String { "rt:u:" + userId }
    /// Topic: cluster control (settings changes).
    public static let controlTopic = "rt:ctl"

    public static func topicName(_ topic: Topic) -> String {
        switch topic {
        case .channel(let name): channelTopic(name)
        case .broadcast: broadcastTopic
        case .user(let id): userTopic(id)
        }
    }

    /// The inverse of `topicName`; nil for the control topic and unknown names.
    public static func topic(named name: String) -> Topic? {
        if name.hasPrefix("rt:ch:") { return .channel(String(name.dropFirst(6))) }
        if name == broadcastTopic { return .broadcast }
        if name.hasPrefix("rt:u:") { return .user(String(name.dropFirst(5))) }
        return nil
    }

    public static func indexEntry(memberId: String, channel: String) -> String { memberId + "\n" + channel }
}
