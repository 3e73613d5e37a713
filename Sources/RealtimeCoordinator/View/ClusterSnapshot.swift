import RealtimeCore

/// The cluster as one coordinator sees it at one instant: what `/cluster`, the
/// dashboard, `/metrics` and the CLI all show.
struct ClusterSnapshot: Sendable {
    struct Node: Sendable {
        var id: String
        var address: String
        var status: NodeStatus
        var connections: Int
        var channels: Int
        var rates: NodeRates
        /// The edge's cumulative counters from its latest heartbeat.
        var counters: NodeHeartbeat.Counters
        /// Unix ms of the latest heartbeat (the edge's `ts`); nil if none was seen.
        var lastHeartbeat: Int64?
        var heartbeatAge: Duration
        var uptimeSeconds: Double
        var version: String
        var backendUp: Bool
        var draining: Bool
        var deadSince: Int64?
        var readmissions: Int
        /// The settings version the edge enforces; nil from an edge that does not say.
        var settingsVersion: Int64?
    }

    var coordinatorId: String
    var isLeader: Bool
    var leaderId: String?
    var redisUp: Bool
    var suspectAfter: Duration
    var deadAfter: Duration
    /// Unix ms when the snapshot was taken.
    var generatedAt: Int64
    var nodes: [Node]
    var channelCount: Int
    var cleanups: CleanupTotals
    var rateLimits: RateLimitSummary
    /// The stored settings' version; nil when none are stored.
    var storedSettingsVersion: Int64?

    /// Live edges enforcing another settings version than the stored one (SPEC §7):
    /// briefly after a change, for longer only if something is wrong.
    var settingsMismatches: [Node] {
        live.filter { node in node.settingsVersion.map { $0 != storedSettingsVersion } ?? false }
    }

    func count(_ status: NodeStatus) -> Int { nodes.count { $0.status == status } }

    /// Nodes that currently hold connections: alive and suspect (a dead node's
    /// connections are gone, whatever its last heartbeat said).
    var live: [Node] { nodes.filter { $0.status != .dead } }

    var totalConnections: Int { live.reduce(0) { $0 + $1.connections } }
    var totalMessagesIn: Double { live.reduce(0) { $0 + $1.rates.messagesIn } }
    var totalMessagesOut: Double { live.reduce(0) { $0 + $1.rates.messagesOut } }
    var totalBytesIn: Double { live.reduce(0) { $0 + $1.rates.bytesIn } }
    var totalBytesOut: Double { live.reduce(0) { $0 + $1.rates.bytesOut } }
    /// Rejections counted by every node still remembered, dead ones included.
    var totalRateLimitRejections: Int64 { nodes.reduce(0) { $0 + $1.counters.rateLimitRejections } }
    var rateLimitRejectionsPerSecond: Double { live.reduce(0) { $0 + $1.rates.rateLimitRejections } }
}

extension NodeRegistry {
    func snapshot(
        coordinatorId: String, isLeader: Bool, redisUp: Bool,
        now: ContinuousClock.Instant, wallNow: Int64
    ) -> ClusterSnapshot {
        let nodes = self.nodes.values.sorted { $0.id < $1.id }.map { node -> ClusterSnapshot.Node in
            let heartbeat = node.heartbeat
            let dead = node.status == .dead
            return ClusterSnapshot.Node(
                id: node.id,
                address: heartbeat?.address ?? "",
                status: node.status,
                connections: dead ? 0 : heartbeat?.connections ?? 0,
                channels: dead ? 0 : heartbeat?.channels ?? 0,
                rates: dead ? .zero : node.rates,
                counters: heartbeat?.counters ?? .init(),
                lastHeartbeat: heartbeat?.timestamp,
                heartbeatAge: max(.zero, now - node.lastFresh),
                uptimeSeconds: heartbeat?.uptimeSeconds ?? 0,
                version: heartbeat?.version ?? "",
                backendUp: !dead && (heartbeat?.backend.up ?? false),
                draining: heartbeat?.draining ?? false,
                deadSince: node.deadSinceWall,
                readmissions: node.readmissions,
                settingsVersion: heartbeat?.settingsVersion)
        }
        return ClusterSnapshot(
            coordinatorId: coordinatorId, isLeader: isLeader, leaderId: leaderId, redisUp: redisUp,
            suspectAfter: thresholds.suspectAfter, deadAfter: thresholds.deadAfter,
            generatedAt: wallNow, nodes: nodes, channelCount: channelCount, cleanups: cleanups,
            rateLimits: rateLimits, storedSettingsVersion: storedSettingsVersion)
    }
}
