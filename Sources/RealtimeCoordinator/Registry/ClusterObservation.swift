/// What one registry tick read from Redis: the registered node ids, the heartbeat
/// of each (absent when the key is missing or unreadable), and cluster-wide figures.
struct ClusterObservation: Sendable {
    var registered: [String]
    var heartbeats: [String: Heartbeat]
    /// `SCARD rt:channels`: distinct channels with at least one member, cluster-wide
    /// (summing the edges' channel counts would count a shared channel once per edge).
    var channelCount: Int
    var cleanups: CleanupTotals
    /// Who holds the leader lease right now, if anybody.
    var leaderId: String?
}

/// Dead-node cleanups done by any coordinator, kept in Redis so every coordinator
/// (and a restarted one) reports the same figures.
public struct CleanupTotals: Sendable, Equatable {
    public var nodes: Int
    public var members: Int

    public init(nodes: Int = 0, members: Int = 0) {
        self.nodes = nodes
        self.members = members
    }
}
