import RealtimeCore
import Testing

@testable import RealtimeCoordinator

/// Drives a `NodeRegistry` with a fake clock: `at(ms)` observes the cluster `ms`
/// milliseconds after `t0`, the edges' wall clock reading `wall0 + ms` at that moment.
private struct Harness {
    static let thresholds = HealthThresholds(suspectAfter: .seconds(2), deadAfter: .seconds(5))
    static let forgetAfter = Duration.seconds(60)

    var registry = NodeRegistry(thresholds: Harness.thresholds, forgetAfter: Harness.forgetAfter)
    let t0 = ContinuousClock.now
    let wall0: Int64 = 1_700_000_000_000

    func instant(_ ms: Int64) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    /// One observation. `beats` maps node id to the edge's `ts` offset from `wall0` (ms).
    @discardableResult
    mutating func at(
        _ ms: Int64, registered: [String], beats: [String: Int64] = [:],
        counters: [String: Int64] = [:], channelCount: Int = 0, leaderId: String? = nil,
        cleanups: CleanupTotals = CleanupTotals()
    ) -> [RegistryEvent] {
        var heartbeats: [String: NodeHeartbeat] = [:]
        for (id, offset) in beats {
            heartbeats[id] = heartbeat(id, ts: wall0 + offset, messagesIn: counters[id] ?? 0)
        }
        let observation = ClusterObservation(
            registered: registered, heartbeats: heartbeats, channelCount: channelCount,
            cleanups: cleanups, leaderId: leaderId)
        return registry.observe(observation, now: instant(ms), wallNow: wall0 + ms)
    }

    /// What `Coordinator.tick()` does while it leads: observe, then take the
    /// eviction candidates and mark them in flight.
    mutating func leaderTick(_ ms: Int64, registered: [String], beats: [String: Int64] = [:]) -> [String] {
        at(ms, registered: registered, beats: beats)
        let candidates = registry.evictionCandidates
        for id in candidates { registry.evictionStarted(id) }
        return candidates
    }

    func node(_ id: String) -> TrackedNode? { registry.nodes[id] }
    func status(_ id: String) -> NodeStatus? { registry.nodes[id]?.status }
}

private func heartbeat(_ id: String, ts: Int64, messagesIn: Int64 = 0, connections: Int = 0) -> NodeHeartbeat {
    let json =
        #"{"node":"\#(id)","address":"10.0.0.1:8080","ts":\#(ts),"messagesIn":\#(messagesIn),"connections":\#(connections),"channels":3,"backend":{"up":true}}"#
    return NodeHeartbeat(json: Array(json.utf8), nodeId: id)!
}

@Suite("HealthThresholds")
struct HealthThresholdsTests {
    let thresholds = HealthThresholds(suspectAfter: .seconds(2), deadAfter: .seconds(5))

    @Test("age up to and including suspectAfter is alive")
    func aliveUpToSuspectAfter() {
        #expect(thresholds.judge(age: .zero) == .alive)
        #expect(thresholds.judge(age: .seconds(2)) == .alive)
    }

    @Test("age past suspectAfter and below deadAfter is suspect")
    func suspectBetweenThresholds() {
        #expect(thresholds.judge(age: .milliseconds(2001)) == .suspect)
        #expect(thresholds.judge(age: .milliseconds(4999)) == .suspect)
    }

    @Test("age of deadAfter or more is dead")
    func deadFromDeadAfter() {
        #expect(thresholds.judge(age: .seconds(5)) == .dead)
        #expect(thresholds.judge(age: .seconds(500)) == .dead)
    }

    @Test("configuration never lets deadAfter be shorter than suspectAfter")
    func configurationClampsDeadAfter() {
        let config = CoordinatorConfiguration(coordinatorId: "c", suspectAfter: .seconds(5), deadAfter: .seconds(2))
        #expect(config.health == HealthThresholds(suspectAfter: .seconds(5), deadAfter: .seconds(5)))
    }
}

@Suite("NodeRegistry")
struct NodeRegistryTests {
    // MARK: Discovery and staying alive

    @Test("first sighting with a fresh heartbeat reports discovered and judges alive")
    func firstSightingDiscoveredAlive() {
        var h = Harness()
        let events = h.at(0, registered: ["a"], beats: ["a": 0])
        #expect(events == [.discovered("a")])
        #expect(h.status("a") == .alive)
        #expect(h.node("a")?.registered == true)
        #expect(h.registry.evictionCandidates.isEmpty)
    }

    @Test("a node that keeps heartbeating stays alive with no events")
    func heartbeatingNodeStaysAlive() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for second in Int64(1)...30 {
            let events = h.at(second * 1000, registered: ["a"], beats: ["a": second * 1000])
            #expect(events.isEmpty, "tick \(second)")
        }
        #expect(h.status("a") == .alive)
        #expect(h.node("a")?.lastFresh == h.instant(30_000))
        #expect(h.registry.evictionCandidates.isEmpty)
    }

    @Test("first sighting trusts the edge's ts: an old heartbeat is judged suspect or dead at once")
    func firstSightingAgesByEdgeTimestamp() {
        var h = Harness()
        let events = h.at(10_000, registered: ["s", "d"], beats: ["s": 7_000, "d": 4_000])
        #expect(Set(events.map(\.description)) == Set(["node s discovered", "node d discovered"]))
        #expect(h.status("s") == .suspect)
        #expect(h.status("d") == .dead)
        #expect(h.node("d")?.deadSince == h.instant(10_000))
        #expect(h.node("d")?.deadSinceWall == h.wall0 + 10_000)
        #expect(h.registry.evictionCandidates == ["d"])
    }

    @Test("first sighting with a heartbeat ts in the future is alive, not negative age")
    func firstSightingFutureTimestampIsAlive() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 60_000])
        #expect(h.status("a") == .alive)
        #expect(h.node("a")?.lastFresh == h.instant(0))
    }

    @Test("a registered node without a heartbeat yet gets a full grace period from its first sighting")
    func registeredWithoutHeartbeatGetsGrace() {
        var h = Harness()
        #expect(h.at(0, registered: ["a"]) == [.discovered("a")])
        #expect(h.status("a") == .alive)
        for second in Int64(1)...2 { #expect(h.at(second * 1000, registered: ["a"]).isEmpty) }
        #expect(h.at(3000, registered: ["a"]) == [.statusChanged("a", from: .alive, to: .suspect)])
        h.at(4000, registered: ["a"])
        #expect(h.at(5000, registered: ["a"]) == [.statusChanged("a", from: .suspect, to: .dead)])
    }

    // MARK: Suspect and dead

    @Test("a silent node turns suspect past suspectAfter and dead at deadAfter, once each")
    func silentNodeSuspectThenDead() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        #expect(h.at(1000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.at(2000, registered: ["a"], beats: ["a": 0]).isEmpty)  // exactly suspectAfter: still alive
        #expect(h.status("a") == .alive)
        #expect(h.at(3000, registered: ["a"], beats: ["a": 0]) == [.statusChanged("a", from: .alive, to: .suspect)])
        #expect(h.at(4000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.status("a") == .suspect)
        #expect(h.registry.evictionCandidates.isEmpty)
        #expect(h.at(5000, registered: ["a"], beats: ["a": 0]) == [.statusChanged("a", from: .suspect, to: .dead)])
        #expect(h.status("a") == .dead)
        #expect(h.node("a")?.deadSince == h.instant(5000))
        #expect(h.node("a")?.deadSinceWall == h.wall0 + 5000)
        #expect(h.at(6000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.registry.evictionCandidates == ["a"])
    }

    @Test("age is measured on the coordinator's clock from the last new heartbeat, not from the edge's ts")
    func ageMeasuredFromLastFreshNotEdgeTimestamp() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        // The edge's clock lags 100 s behind, but every heartbeat is new: alive throughout.
        for second in Int64(1)...10 {
            #expect(h.at(second * 1000, registered: ["a"], beats: ["a": second * 1000 - 100_000]).isEmpty)
        }
        #expect(h.status("a") == .alive)
    }

    @Test("a registered node whose heartbeat key vanished ages like a silent one")
    func missingHeartbeatAges() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        h.at(1000, registered: ["a"])
        h.at(2000, registered: ["a"])
        #expect(h.at(3000, registered: ["a"]) == [.statusChanged("a", from: .alive, to: .suspect)])
        h.at(4000, registered: ["a"])
        #expect(h.at(5000, registered: ["a"]) == [.statusChanged("a", from: .suspect, to: .dead)])
        #expect(h.node("a")?.heartbeat?.timestamp == h.wall0, "the last heartbeat seen is kept")
    }

    @Test("a suspect node that heartbeats again is alive without counting as a readmission")
    func suspectRecovers() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in [1000, 2000, 3000] as [Int64] { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.status("a") == .suspect)
        #expect(h.at(4000, registered: ["a"], beats: ["a": 4000]) == [.statusChanged("a", from: .suspect, to: .alive)])
        #expect(h.node("a")?.readmissions == 0)
        #expect(h.node("a")?.deadSince == nil)
    }

    @Test("only dead, registered, not yet cleaned nodes are eviction candidates, sorted by id")
    func evictionCandidatesSelection() {
        var h = Harness()
        h.at(0, registered: ["c", "b", "a", "z"], beats: ["c": 0, "b": 0, "a": 0, "z": 0])
        for second in Int64(1)...5 {
            // z keeps beating; a, b, c fall silent.
            h.at(second * 1000, registered: ["c", "b", "a", "z"], beats: ["c": 0, "b": 0, "a": 0, "z": second * 1000])
        }
        #expect(h.status("z") == .alive)
        #expect(h.registry.evictionCandidates == ["a", "b", "c"])
    }

    // MARK: Cleanup

    @Test("a dead node is handed to the leader for cleanup exactly once")
    func deadNodeCleanedExactlyOnce() {
        var h = Harness()
        var handedOut: [String] = []
        handedOut += h.leaderTick(0, registered: ["a", "b"], beats: ["a": 0, "b": 0])
        for second in Int64(1)...8 {
            handedOut += h.leaderTick(second * 1000, registered: ["a", "b"], beats: ["a": 0, "b": second * 1000])
        }
        #expect(handedOut == ["a"])
        #expect(h.node("a")?.evictionInFlight == true)
        // The cleanup succeeds: the node is evicted and no longer registered.
        h.registry.evictionFinished("a", succeeded: true)
        #expect(h.node("a")?.evicted == true)
        #expect(h.node("a")?.registered == false)
        #expect(h.node("a")?.evictionInFlight == false)
        // It has left rt:nodes; later ticks neither hand it out again nor blame another coordinator.
        for second in Int64(9)...20 {
            let before = h.registry.nodes.count
            #expect(h.leaderTick(second * 1000, registered: ["b"], beats: ["b": second * 1000]).isEmpty)
            #expect(h.registry.nodes.count == before)
        }
        #expect(h.status("a") == .dead)
    }

    @Test("after the node left rt:nodes, the tick after a successful cleanup reports no event")
    func ownCleanupIsNotEvictedElsewhere() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        h.registry.evictionStarted("a")
        h.registry.evictionFinished("a", succeeded: true)
        #expect(h.at(6000, registered: []).isEmpty)
    }

    @Test("a cleanup still in flight when the node leaves rt:nodes is not reported as another coordinator's")
    func inFlightCleanupNotEvictedElsewhere() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.leaderTick(5500, registered: ["a"], beats: ["a": 0]) == ["a"])
        #expect(h.at(6000, registered: []).isEmpty)
        #expect(h.node("a")?.evicted == false)
        h.registry.evictionFinished("a", succeeded: true)
        #expect(h.node("a")?.evicted == true)
        #expect(h.at(7000, registered: []).isEmpty)
    }

    @Test("a failed cleanup puts the node back on the work list for a later pass")
    func failedCleanupRetried() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 4000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.leaderTick(5000, registered: ["a"], beats: ["a": 0]) == ["a"])
        #expect(h.leaderTick(6000, registered: ["a"], beats: ["a": 0]).isEmpty)
        h.registry.evictionFinished("a", succeeded: false)
        #expect(h.node("a")?.evicted == false)
        #expect(h.node("a")?.registered == true)
        #expect(h.leaderTick(7000, registered: ["a"], beats: ["a": 0]) == ["a"])
    }

    @Test("a follower never starts cleanups: candidates stay listed until a leader takes them")
    func candidatesPersistWithoutLeader() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 9000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.registry.evictionCandidates == ["a"])
        #expect(h.node("a")?.evictionInFlight == false)
    }

    @Test("finishing a cleanup for an unknown node is ignored")
    func evictionFinishedUnknownNode() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        h.registry.evictionFinished("ghost", succeeded: true)
        h.registry.evictionStarted("ghost")
        #expect(h.registry.nodes.keys.sorted() == ["a"])
    }

    // MARK: Coming back

    @Test("a dead node with a new heartbeat is readmitted and alive again")
    func deadNodeReadmitted() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.status("a") == .dead)
        let events = h.at(6000, registered: ["a"], beats: ["a": 6000])
        #expect(events == [.readmitted("a"), .statusChanged("a", from: .dead, to: .alive)])
        #expect(h.status("a") == .alive)
        #expect(h.node("a")?.readmissions == 1)
        #expect(h.node("a")?.deadSince == nil)
        #expect(h.node("a")?.deadSinceWall == nil)
        #expect(h.registry.evictionCandidates.isEmpty)
    }

    @Test("a cleaned-up node that registers again with a new heartbeat is readmitted and no longer evicted")
    func evictedNodeReadmitted() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 4000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.leaderTick(5000, registered: ["a"], beats: ["a": 0]) == ["a"])
        h.registry.evictionFinished("a", succeeded: true)
        h.at(6000, registered: [], beats: ["a": 0])
        let events = h.at(7000, registered: ["a"], beats: ["a": 7000])
        #expect(events == [.readmitted("a"), .statusChanged("a", from: .dead, to: .alive)])
        #expect(h.node("a")?.evicted == false)
        #expect(h.node("a")?.registered == true)
        // Should it die again, it is cleaned up again.
        for ms in stride(from: Int64(8000), through: 11_000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 7000]) }
        #expect(h.leaderTick(12_000, registered: ["a"], beats: ["a": 7000]) == ["a"])
        #expect(h.node("a")?.readmissions == 1)
    }

    @Test("a node that comes back while its cleanup runs stays admitted and registered")
    func comesBackDuringCleanup() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 4000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.leaderTick(5000, registered: ["a"], beats: ["a": 0]) == ["a"])
        #expect(h.at(5500, registered: ["a"], beats: ["a": 5500]) == [.readmitted("a"), .statusChanged("a", from: .dead, to: .alive)])
        h.registry.evictionFinished("a", succeeded: true)
        #expect(h.node("a")?.evicted == false)
        #expect(h.node("a")?.registered == true)
        #expect(h.node("a")?.evictionInFlight == false)
        #expect(h.status("a") == .alive)
    }

    @Test("the same heartbeat read again does not refresh a dead node")
    func staleHeartbeatDoesNotReadmit() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.at(6000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.status("a") == .dead)
        #expect(h.node("a")?.readmissions == 0)
    }

    // MARK: Leaving and forgetting

    @Test("a healthy node leaving rt:nodes is deregistered and dropped at once")
    func gracefulDeregistration() {
        var h = Harness()
        h.at(0, registered: ["a", "b"], beats: ["a": 0, "b": 0])
        #expect(h.at(1000, registered: ["b"], beats: ["a": 0, "b": 1000]) == [.deregistered("a")])
        #expect(h.node("a") == nil)
        #expect(h.registry.nodes.keys.sorted() == ["b"])
        // Coming back later is a new discovery.
        #expect(h.at(2000, registered: ["a", "b"], beats: ["a": 2000, "b": 2000]) == [.discovered("a")])
    }

    @Test("a silent node that leaves rt:nodes was cleaned up elsewhere: dead and evicted, not deregistered")
    func silentNodeLeavingIsEvictedElsewhere() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in [1000, 2000, 3000] as [Int64] { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.status("a") == .suspect)
        let events = h.at(4000, registered: [])
        #expect(events == [.statusChanged("a", from: .suspect, to: .dead), .evictedElsewhere("a")])
        #expect(h.status("a") == .dead)
        #expect(h.node("a")?.evicted == true)
        #expect(h.node("a")?.registered == false)
        #expect(h.node("a")?.deadSince == h.instant(4000))
        #expect(h.at(5000, registered: []).isEmpty)
        #expect(h.registry.evictionCandidates.isEmpty)
    }

    @Test("a node judged alive but silent past suspectAfter that leaves is treated as dead, not deregistered")
    func aliveButSilentLeavingIsDead() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        h.at(1500, registered: ["a"], beats: ["a": 0])
        #expect(h.status("a") == .alive)
        #expect(h.at(2500, registered: []) == [.statusChanged("a", from: .alive, to: .dead), .evictedElsewhere("a")])
    }

    @Test("a dead node removed from rt:nodes by another coordinator is reported once")
    func deadNodeEvictedElsewhereOnce() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.at(6000, registered: []) == [.evictedElsewhere("a")])
        #expect(h.node("a")?.evicted == true)
        #expect(h.at(7000, registered: []).isEmpty)
        #expect(h.registry.evictionCandidates.isEmpty)
    }

    @Test("a dead node gone from rt:nodes is forgotten forgetAfter after it was judged dead, not before")
    func deadUnregisteredNodeForgotten() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.node("a")?.deadSince == h.instant(5000))
        h.at(6000, registered: [])
        for ms in stride(from: Int64(7000), through: 64_000, by: 1000) {
            #expect(h.at(ms, registered: []).isEmpty, "at \(ms) ms")
        }
        #expect(h.node("a") != nil)
        #expect(h.at(65_000, registered: []) == [.forgotten("a")])
        #expect(h.node("a") == nil)
        #expect(h.at(66_000, registered: []).isEmpty)
    }

    @Test("a node this coordinator cleaned up is forgotten after forgetAfter")
    func ownCleanupForgotten() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 4000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.leaderTick(5000, registered: ["a"], beats: ["a": 0]) == ["a"])
        h.registry.evictionFinished("a", succeeded: true)
        #expect(h.at(64_999, registered: []).isEmpty)
        #expect(h.at(65_000, registered: []) == [.forgotten("a")])
        #expect(h.registry.nodes.isEmpty)
    }

    @Test("a dead node still in rt:nodes is never forgotten: it waits for cleanup")
    func deadRegisteredNodeNotForgotten() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.at(500_000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.status("a") == .dead)
        #expect(h.registry.evictionCandidates == ["a"])
    }

    // MARK: Blind time

    @Test("a long pause between observations is not held against a node whose heartbeat did not change")
    func blindPauseForgiven() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        // The coordinator saw nothing for 30 s (Redis down, process stalled).
        #expect(h.at(30_000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.status("a") == .alive)
        // Only blindAfter (1.5 s) of the pause counts: suspect past 2 s, dead at 5 s of seen time.
        #expect(h.node("a")?.lastFresh == h.instant(28_500))
        #expect(h.at(30_500, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.at(31_000, registered: ["a"], beats: ["a": 0]) == [.statusChanged("a", from: .alive, to: .suspect)])
        h.at(32_000, registered: ["a"], beats: ["a": 0])
        h.at(33_000, registered: ["a"], beats: ["a": 0])
        #expect(h.at(33_500, registered: ["a"], beats: ["a": 0]) == [.statusChanged("a", from: .suspect, to: .dead)])
    }

    @Test("a pause no longer than blindAfter counts in full")
    func shortPauseNotForgiven() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        h.at(1500, registered: ["a"], beats: ["a": 0])
        h.at(3000, registered: ["a"], beats: ["a": 0])
        h.at(4500, registered: ["a"], beats: ["a": 0])
        #expect(h.at(6000, registered: ["a"], beats: ["a": 0]) == [.statusChanged("a", from: .suspect, to: .dead)])
    }

    @Test("a blind pause keeps a silent node that leaves rt:nodes from being taken for dead")
    func blindPauseThenDeregistered() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        #expect(h.at(60_000, registered: []) == [.deregistered("a")])
    }

    @Test("a blind pause does not revive a dead node or postpone its cleanup")
    func blindPauseDoesNotReviveDead() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) { h.at(ms, registered: ["a"], beats: ["a": 0]) }
        #expect(h.at(100_000, registered: ["a"], beats: ["a": 0]).isEmpty)
        #expect(h.status("a") == .dead)
        #expect(h.node("a")?.deadSince == h.instant(5000))
        #expect(h.registry.evictionCandidates == ["a"])
    }

    @Test("a blind pause moves lastFresh forward by the pause minus blindAfter, never past now")
    func forgivenessShiftsLastFresh() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0])
        h.at(500, registered: ["a"], beats: ["a": 500])
        h.at(10_000, registered: ["a"], beats: ["a": 500])
        // lastFresh 500 ms + (9.5 s - 1.5 s) = 8.5 s <= now.
        #expect(h.node("a")!.lastFresh <= h.instant(10_000))
        #expect(h.node("a")?.lastFresh == h.instant(8_500))
    }

    // MARK: Rates and cluster figures

    @Test("rates come from the two latest distinct heartbeats, timed by the edge's ts")
    func ratesFromConsecutiveHeartbeats() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0], counters: ["a": 100])
        #expect(h.node("a")?.rates == .zero)
        h.at(1000, registered: ["a"], beats: ["a": 2000], counters: ["a": 500])
        #expect(h.node("a")?.rates.messagesIn == 200)  // 400 messages over 2 s of edge time
        // The same heartbeat read again keeps the rate.
        h.at(1500, registered: ["a"], beats: ["a": 2000], counters: ["a": 500])
        #expect(h.node("a")?.rates.messagesIn == 200)
    }

    @Test("a counter that went down (edge restart) gives rate zero, and the node stays alive")
    func counterResetGivesZeroRate() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0], counters: ["a": 1000])
        h.at(1000, registered: ["a"], beats: ["a": 1000], counters: ["a": 10])
        #expect(h.node("a")?.rates.messagesIn == 0)
        #expect(h.status("a") == .alive)
    }

    @Test("a heartbeat whose ts went backwards still counts as fresh, with zero rates")
    func backwardsTimestampIsFresh() {
        var h = Harness()
        h.at(0, registered: ["a"], beats: ["a": 0], counters: ["a": 0])
        h.at(1000, registered: ["a"], beats: ["a": 1000], counters: ["a": 100])
        #expect(h.node("a")?.rates.messagesIn == 100)
        for ms in [2000, 3000, 3500] as [Int64] { h.at(ms, registered: ["a"], beats: ["a": 1000], counters: ["a": 100]) }
        #expect(h.status("a") == .suspect)
        #expect(
            h.at(4000, registered: ["a"], beats: ["a": -50_000], counters: ["a": 200]) == [.statusChanged("a", from: .suspect, to: .alive)])
        #expect(h.node("a")?.rates == .zero)
        #expect(h.node("a")?.lastFresh == h.instant(4000))
    }

    @Test("cluster-wide figures are taken from the latest observation")
    func clusterFiguresFromLatestObservation() {
        var h = Harness()
        h.at(0, registered: [], channelCount: 7, leaderId: "coord-1", cleanups: CleanupTotals(nodes: 1, members: 40))
        #expect(h.registry.channelCount == 7)
        #expect(h.registry.leaderId == "coord-1")
        #expect(h.registry.cleanups == CleanupTotals(nodes: 1, members: 40))
        #expect(h.registry.lastObservation == h.instant(0))
        h.at(1000, registered: [], channelCount: 2, leaderId: nil, cleanups: CleanupTotals(nodes: 2, members: 41))
        #expect(h.registry.channelCount == 2)
        #expect(h.registry.leaderId == nil)
        #expect(h.registry.cleanups == CleanupTotals(nodes: 2, members: 41))
    }

    @Test("a node that was never registered is not tracked")
    func unregisteredUnknownNodeIgnored() {
        var h = Harness()
        #expect(h.at(0, registered: [], beats: ["ghost": 0]).isEmpty)
        #expect(h.registry.nodes.isEmpty)
    }

    @Test("the snapshot zeroes a dead node's connections and backend, and keeps a live node's")
    func snapshotOfDeadAndAliveNodes() {
        var h = Harness()
        h.at(0, registered: ["a", "b"], beats: ["a": 0, "b": 0])
        for ms in stride(from: Int64(1000), through: 5000, by: 1000) {
            h.at(ms, registered: ["a", "b"], beats: ["a": 0, "b": ms])
        }
        let snapshot = h.registry.snapshot(coordinatorId: "c", isLeader: true, redisUp: true, now: h.instant(5000), wallNow: h.wall0 + 5000)
        #expect(snapshot.nodes.map(\.id) == ["a", "b"])
        let a = snapshot.nodes[0]
        let b = snapshot.nodes[1]
        #expect(a.status == .dead)
        #expect(a.channels == 0)
        #expect(a.backendUp == false)
        #expect(a.deadSince == h.wall0 + 5000)
        #expect(b.status == .alive)
        #expect(b.channels == 3)
        #expect(b.backendUp == true)
        #expect(b.deadSince == nil)
    }
}
