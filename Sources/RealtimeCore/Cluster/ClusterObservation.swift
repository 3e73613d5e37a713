/// What one registry tick read from Redis: the registered node ids, the heartbeat
/// of each (absent when the key is missing or unreadable), and cluster-wide figures.
public struct ClusterObservation: Sendable {
    public var registered: [String]
    public var heartbeats: [String: NodeHeartbeat]
    /// `SCARD rt:channels`: distinct channels with at least one member, cluster-wide
    /// (summing the edges' channel counts would count a shared channel once per edge).
    public var channelCount: Int
    public var cleanups: CleanupTotals
    /// Who holds the leader lease right now, if anybody.
    public var leaderId: String?
    public var rateLimits = RateLimitSummary()
    /// The stored settings' version (`rt:settings`); nil when none are stored.
    public var storedSettingsVersion: Int64?

    public init(
        registered: [String], heartbeats: [String: NodeHeartbeat], channelCount: Int, cleanups: CleanupTotals,
        leaderId: String?, rateLimits: RateLimitSummary = RateLimitSummary(), storedSettingsVersion: Int64? = nil
    ) {
        self.registered = registered
        self.heartbeats = heartbeats
        self.channelCount = channelCount
        self.cleanups = cleanups
        self.leaderId = leaderId
        self.rateLimits = rateLimits
        self.storedSettingsVersion = storedSettingsVersion
    }
}

/// The cluster-wide rate-limit figures the edges' rate-limit script keeps in Redis
/// (`rt:rl:rejections`, `rt:rl:top`): they survive edge restarts, unlike the
/// per-node counters in the heartbeats.
public struct RateLimitSummary: Sendable {
    /// Limit name -> rejections since the hash was created.
    public var perLimit: [String: Int64] = [:]
    /// The most rejected subjects (`u:<userId>` or `ip:<address>`) of the last hour, most first.
    public var topSubjects: [(subject: String, rejections: Int64)] = []

    public init(perLimit: [String: Int64] = [:], topSubjects: [(subject: String, rejections: Int64)] = []) {
        self.perLimit = perLimit
        self.topSubjects = topSubjects
    }
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
