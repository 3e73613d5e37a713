import NIOCore
import SocketIOProtocol

/// The seam between an edge and its backend. The edge never knows whether it runs on
/// memory (one node) or Redis (a cluster): both honour the same contract.
///
/// Presence calls complete only once the cluster-wide state reflects them, so a
/// `members` query right after a join's ack sees the joiner on every edge.
public protocol Broker: Sendable {
    var nodeId: String { get }

    /// Connects and starts delivering events. Returns once the backend is usable.
    func start(onEvent: @escaping @Sendable (BrokerEvent) -> Void) async throws
    func shutdown() async

    /// The edge gained its first local interest in a topic: deliveries for it must
    /// start before this returns. Reference counting is the edge's job.
    func acquire(_ topic: Topic) async throws
    /// The edge lost its last local interest in a topic.
    func release(_ topic: Topic) async

    /// Sends a frame to every subscriber of `topic`, on every edge. With a rate-limit
    /// check, the event is first counted against the limits (cluster-wide, in the same
    /// round trip) and not published when one is exceeded: that limit is returned.
    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> RateLimit?

    /// Counts one client event against rate limits; returns the first limit exceeded.
    func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit?
    /// Rate-limit checks decided by the edge's own counters because the backend was
    /// unreachable (fail-open).
    var rateLimitFallbackCount: Int { get }

    /// Adds a member to a channel and announces it to the channel, atomically.
    /// Returns false (and announces nothing) when it already was a member.
    ///
    /// Presence calls and `members` take an optional rate-limit check that runs in the
    /// same backend call (one round trip per client event); an exceeded limit throws
    /// `RateLimitExceeded` and nothing else happens.
    func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> Bool
    /// Removes a member from channels, announcing each removal to the rest.
    func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws
    /// Rewrites a member's record in channels, announcing each update.
    func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?) async throws
    func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord]
    func activeChannels() async throws -> [ChannelSummary]
    /// Re-asserts presence after the backend lost it (a Redis restart: silently) or after
    /// this node was evicted while cut off (then each membership is announced as a join).
    func restore(_ memberships: [(channel: String, member: PresenceRecord)]) async throws

    /// Tells every edge to close a user's connections of one session (all when nil).
    func endSessions(userId: String, sessionId: String?) async throws

    /// Publishes this node's stats for the coordinator (cluster backends only).
    func heartbeat(_ stats: JSONValue) async throws
    /// Removes this node from the cluster registry on a graceful shutdown.
    func deregister() async

    /// The stored settings, or nil when none are stored yet.
    func loadSettings() async throws -> RealtimeSettings?
    /// Stores `settings` unless some are stored already; returns what is in force.
    func seedSettings(_ settings: RealtimeSettings) async throws -> RealtimeSettings
    /// Stores settings and tells every edge (including this one, via `.settingsChanged`).
    func storeSettings(_ settings: RealtimeSettings) async throws
}

extension Broker {
    /// Backends that cannot become unreachable never fall back.
    public var rateLimitFallbackCount: Int { 0 }

    public func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?) async throws -> Bool {
        try await join(channel: channel, member: member, announce: announce, excluding: excluding, limitedBy: nil)
    }

    public func leave(memberId: String, node: String, from channels: [ChannelAnnouncement]) async throws {
        try await leave(memberId: memberId, node: node, from: channels, limitedBy: nil)
    }

    public func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?) async throws {
        try await update(member: member, in: channels, excluding: excluding, limitedBy: nil)
    }

    public func members(of channel: String) async throws -> [PresenceRecord] {
        try await members(of: channel, limitedBy: nil)
    }

    /// Publishes without rate limits (server API, presence).
    public func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?) async throws {
        _ = try await publish(topic, frame: frame, excluding: excluding, limitedBy: nil)
    }
}
