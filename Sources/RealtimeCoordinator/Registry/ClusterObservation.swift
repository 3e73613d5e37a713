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
    var rateLimits = RateLimitSummary()
}

/// The cluster-wide rate-limit figures the edges' rate-limit script keeps in Redis
/// (`rt:rl:rejections`, `rt:rl:top`): they survive edge restarts, unlike the
/// per-node counters in the heartbeats.
struct RateLimitSummary: Sendable {
    /// Limit name -> rejections since the hash was created.
    var perLimit: [String: Int64] = [:]
    /// The most rejected subjects (`u:<userId>` or `ip:<address>`) of the last hour, most first.
    var topSubjects: [(subject: String, rejections: Int64)] = []
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
