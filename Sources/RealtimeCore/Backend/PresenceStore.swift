import NIOCore

/// Cluster-wide member lists. Every change is announced to the channel in the same
/// backend call, so a member list and its channel events never disagree, and a call
/// completes only once the cluster-wide state reflects it: a `members` query right
/// after a join's ack sees the joiner on every edge.
///
/// Each call takes an optional rate-limit check that runs in the same backend call
/// (one round trip per client event); an exceeded limit throws `RateLimitExceeded`
/// and nothing else happens.
public protocol PresenceStore: Sendable {
    /// Adds a member to a channel and announces it. Returns false (and announces
    /// nothing) when it already was a member.
    func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?)
        async throws -> Bool
    /// Removes a member from channels, announcing each removal to the rest.
    func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws
    /// Rewrites a member's record in channels, announcing each update.
    func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?)
        async throws
    func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord]
    func activeChannels() async throws -> [ChannelSummary]
    /// Re-asserts presence after the backend lost it (a Redis restart: silently) or after
    /// this node was evicted while cut off (then each membership is announced as a join).
    func restore(_ memberships: [(channel: String, member: PresenceRecord)]) async throws
}

extension PresenceStore {
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
}
