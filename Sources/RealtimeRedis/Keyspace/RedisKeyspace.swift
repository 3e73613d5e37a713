import Foundation
import RealtimeCore
import RedisClient

/// The key and topic names of one deployment. One Redis uses `RedisKeys` as they
/// are; a Redis Cluster needs names whose hash slots fit the operations
/// (docs/KEYSPACE.md, "Redis Cluster"):
/// - a channel's presence hash and its topic share the channel's hash tag
///   (`rt:presence:{<channel>}`, `rt:ch:{<channel>}`), so a presence change and its
///   announcement are one script on one shard; user topics are tagged the same way;
/// - the cluster-wide keys (registry, settings, lease, index, stats) share the tag
///   `{rt}`, so the scripts that touch several of them stay on one slot, and so does
///   the control topic, which the settings scripts name next to the settings key;
/// - a subject's rate-limit counters share the subject's tag.
struct RedisKeyspace: Sendable {
    let clustered: Bool

    static let plain = RedisKeyspace(clustered: false)
    static let cluster = RedisKeyspace(clustered: true)

    /// The keyspace a pool's deployment needs.
    init(for pool: RedisConnectionPool) {
        self.clustered = pool.cluster != nil
    }

    private init(clustered: Bool) {
        self.clustered = clustered
    }

    func presence(_ channel: String) -> String {
        clustered ? "rt:presence:" + Self.tag(channel) : RedisKeys.presence(channel)
    }
    func nodeIndex(_ node: String) -> String { clustered ? "{rt}:node:" + node + ":presence" : RedisKeys.nodeIndex(node) }
    func nodeHeartbeat(_ node: String) -> String { clustered ? "{rt}:node:" + node + ":heartbeat" : RedisKeys.nodeHeartbeat(node) }
    func nodeEvicted(_ node: String) -> String { clustered ? "{rt}:node:" + node + ":evicted" : RedisKeys.nodeEvicted(node) }
    var nodes: String { clustered ? "{rt}:nodes" : RedisKeys.nodes }
    var channels: String { clustered ? "{rt}:channels" : RedisKeys.channels }
    var settings: String { clustered ? "{rt}:settings" : RedisKeys.settings }
    var cleanups: String { clustered ? "{rt}:coordinator:cleanups" : RedisKeys.cleanups }
    var leader: String { clustered ? "{rt}:coordinator:leader" : CoordinatorKeys.leader }
    var rateLimitRejections: String { clustered ? "{rt}:rl:rejections" : RedisKeys.rateLimitRejections }
    var rateLimitTop: String { clustered ? "{rt}:rl:top" : RedisKeys.rateLimitTop }
    func rateLimitCounter(limit: String, subject: String) -> String {
        clustered ? "rt:rl:" + limit + ":" + Self.tag(subject) : RedisKeys.rateLimitCounter(limit: limit, subject: subject)
    }

    /// Plain pub/sub in both modes (the cluster bus delivers it from any node).
    var controlTopic: String { clustered ? "{rt}:ctl" : RedisKeys.controlTopic }
    var broadcastTopic: String { RedisKeys.broadcastTopic }

    func topicName(_ topic: Topic) -> String {
        guard clustered else { return RedisKeys.topicName(topic) }
        switch topic {
        case .channel(let name): return "rt:ch:" + Self.tag(name)
        case .user(let id): return "rt:u:" + Self.tag(id)
        case .broadcast: return broadcastTopic
        }
    }

    /// Channel and user topics use sharded pub/sub in a cluster (SPUBLISH/SSUBSCRIBE).
    func isSharded(_ topic: Topic) -> Bool {
        if case .broadcast = topic { return false }
        return clustered
    }

    /// The publish command for a topic: `SPUBLISH` for sharded ones.
    func publishCommand(_ topic: Topic) -> String { isSharded(topic) ? "SPUBLISH" : "PUBLISH" }

    /// The inverse of `topicName`; nil for the control topic and unknown names.
    func topic(named name: String) -> Topic? {
        guard clustered else { return RedisKeys.topic(named: name) }
        if name.hasPrefix("rt:ch:") { return Self.untag(name.dropFirst(6)).map(Topic.channel) }
        if name.hasPrefix("rt:u:") { return Self.untag(name.dropFirst(5)).map(Topic.user) }
        if name == broadcastTopic { return .broadcast }
        return nil
    }

    /// `{name}` with `%` and `}` escaped, so the whole name is the hash tag whatever
    /// it holds (a `}` inside would end the tag early), and names stay distinct.
    static func tag(_ name: String) -> String {
        guard name.contains("%") || name.contains("}") || name.isEmpty else { return "{" + name + "}" }
        let escaped = name.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "}", with: "%7D")
        return "{" + (escaped.isEmpty ? "%" : escaped) + "}"
    }

    static func untag(_ tagged: Substring) -> String? {
        guard tagged.hasPrefix("{"), tagged.hasSuffix("}") else { return nil }
        let inner = String(tagged.dropFirst().dropLast())
        guard inner.contains("%") else { return inner }
        if inner == "%" { return "" }
        return inner.replacingOccurrences(of: "%7D", with: "}").replacingOccurrences(of: "%25", with: "%")
    }
}
