import RealtimeCore

/// The registry's memory of one node.
struct TrackedNode: Sendable {
    let id: String
    /// The latest heartbeat read; nil until one was seen.
    var heartbeat: NodeHeartbeat?
    var rates: NodeRates = .zero
    /// When (on this coordinator's monotonic clock) a new heartbeat was last seen.
    /// Age is measured from here rather than from the edge's `ts`, so a skewed edge
    /// clock cannot make a live node look dead (only a first sighting trusts `ts`).
    var lastFresh: ContinuousClock.Instant
    var status: NodeStatus = .alive
    /// Member of `rt:nodes` in the latest observation.
    var registered = true
    /// Its members were removed (by this or another coordinator): never clean twice.
    var evicted = false
    var evictionInFlight = false
    var deadSince: ContinuousClock.Instant?
    /// Unix ms of the dead judgement, for the cluster view.
    var deadSinceWall: Int64?
    /// Times it came back after being judged dead.
    var readmissions = 0

    init(id: String, lastFresh: ContinuousClock.Instant) {
        self.id = id
        self.lastFresh = lastFresh
    }
}
