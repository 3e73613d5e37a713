import RealtimeCore

/// The node-health state machine: fed one `ClusterObservation` per tick, it judges
/// every node and says which dead nodes still need cleaning up. Pure (the clock is
/// passed in), so judging is deterministic and the I/O lives elsewhere.
struct NodeRegistry: Sendable {
    let thresholds: HealthThresholds
    let forgetAfter: Duration
    /// A pause between observations longer than this is time the coordinator was
    /// blind (Redis unreachable, process stalled); it is not held against the nodes.
    let blindAfter: Duration

    private(set) var nodes: [String: TrackedNode] = [:]
    private(set) var channelCount = 0
    private(set) var cleanups = CleanupTotals()
    private(set) var leaderId: String?
    private(set) var rateLimits = RateLimitSummary()
    private(set) var storedSettingsVersion: Int64?
    private(set) var lastObservation: ContinuousClock.Instant?

    init(thresholds: HealthThresholds, forgetAfter: Duration, blindAfter: Duration = .milliseconds(1500)) {
        self.thresholds = thresholds
        self.forgetAfter = forgetAfter
        self.blindAfter = blindAfter
    }

    /// - Parameters:
    ///   - now: the coordinator's monotonic clock.
    ///   - wallNow: unix ms, only used to age a heartbeat seen for the first time.
    mutating func observe(_ observation: ClusterObservation, now: ContinuousClock.Instant, wallNow: Int64) -> [RegistryEvent] {
        var events: [RegistryEvent] = []
        forgiveBlindTime(now: now)
        lastObservation = now
        channelCount = observation.channelCount
        cleanups = observation.cleanups
        leaderId = observation.leaderId
        rateLimits = observation.rateLimits
        storedSettingsVersion = observation.storedSettingsVersion

        let registered = Set(observation.registered)
        for id in registered {
            observeRegistered(id, heartbeat: observation.heartbeats[id], now: now, wallNow: wallNow, events: &events)
        }
        for id in Array(nodes.keys) where !registered.contains(id) {
            observeUnregistered(id, now: now, wallNow: wallNow, events: &events)
        }
        return events
    }

    /// Dead nodes still registered and not yet cleaned: the leader's work list.
    var evictionCandidates: [String] {
        nodes.values
            .filter { $0.status == .dead && $0.registered && !$0.evicted && !$0.evictionInFlight }
            .map(\.id)
            .sorted()
    }

    mutating func evictionStarted(_ id: String) {
        nodes[id]?.evictionInFlight = true
    }

    /// After a successful cleanup the node is no longer registered; if it came back
    /// meanwhile (a fresh heartbeat during the cleanup) it stays admitted and the
    /// edge re-asserts its presence when it sees its eviction notice.
    mutating func evictionFinished(_ id: String, succeeded: Bool) {
        guard var node = nodes[id] else { return }
        node.evictionInFlight = false
        if succeeded && node.status == .dead {
            node.evicted = true
            node.registered = false
        }
        nodes[id] = node
    }

    // MARK: - Judging

    private mutating func observeRegistered(
        _ id: String, heartbeat: NodeHeartbeat?, now: ContinuousClock.Instant, wallNow: Int64, events: inout [RegistryEvent]
    ) {
        guard var node = nodes[id] else {
            // First sighting: all we know is the edge's own timestamp. A registered node
            // without a heartbeat yet (just starting) gets a full grace period.
            let age = heartbeat.map { Duration.milliseconds(max(0, wallNow - $0.timestamp)) } ?? .zero
            var node = TrackedNode(id: id, lastFresh: now - age)
            node.heartbeat = heartbeat
            node.status = thresholds.judge(age: age)
            if node.status == .dead {
                node.deadSince = now
                node.deadSinceWall = wallNow
            }
            nodes[id] = node
            events.append(.discovered(id))
            return
        }
        node.registered = true
        if let heartbeat, heartbeat.timestamp != node.heartbeat?.timestamp {
            if let previous = node.heartbeat, heartbeat.timestamp > previous.timestamp {
                node.rates = NodeRates(from: previous, to: heartbeat)
            } else {
                node.rates = .zero
            }
            node.heartbeat = heartbeat
            node.lastFresh = now
            if node.status == .dead || node.evicted {
                node.evicted = false
                node.deadSince = nil
                node.deadSinceWall = nil
                node.readmissions += 1
                events.append(.readmitted(id))
            }
        }
        let status = thresholds.judge(age: now - node.lastFresh)
        if status != node.status {
            events.append(.statusChanged(id, from: node.status, to: status))
            if status == .dead {
                node.deadSince = now
                node.deadSinceWall = wallNow
            }
            node.status = status
        }
        nodes[id] = node
    }

    private mutating func observeUnregistered(
        _ id: String, now: ContinuousClock.Instant, wallNow: Int64, events: inout [RegistryEvent]
    ) {
        guard var node = nodes[id] else { return }
        node.registered = false
        if node.status == .dead || node.evicted {
            if !node.evicted && !node.evictionInFlight {
                node.evicted = true
                events.append(.evictedElsewhere(id))
            }
            if let deadSince = node.deadSince, now - deadSince >= forgetAfter {
                nodes[id] = nil
                events.append(.forgotten(id))
                return
            }
            nodes[id] = node
            return
        }
        if now - node.lastFresh > thresholds.suspectAfter {
            // Silent and then gone: only a coordinator's cleanup removes a silent node.
            events.append(.statusChanged(id, from: node.status, to: .dead))
            events.append(.evictedElsewhere(id))
            node.status = .dead
            node.evicted = true
            node.deadSince = now
            node.deadSinceWall = wallNow
            nodes[id] = node
        } else {
            // Deregistered itself while healthy: a graceful shutdown is gone, not dead.
            nodes[id] = nil
            events.append(.deregistered(id))
        }
    }

    private mutating func forgiveBlindTime(now: ContinuousClock.Instant) {
        guard let last = lastObservation else { return }
        let gap = now - last
        guard gap > blindAfter else { return }
        let shift = gap - blindAfter
        for id in nodes.keys {
            guard let node = nodes[id], node.status != .dead else { continue }
            nodes[id]?.lastFresh = min(now, node.lastFresh + shift)
        }
    }
}
