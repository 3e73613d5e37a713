import NIOCore
import RealtimeCore
import Testing

extension BackendContractTests {
    @Test(
        "publish delivers the frame with its topic and exclusion, in order", arguments: BackendKind.allCases,
        [
            Topic.channel("room"), .channel("presence-a:b"), .broadcast, .user("u1"),
        ])
    func publish(kind: BackendKind, topic: Topic) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(topic)
            try await edge.bus.publish(topic, frame: F.frame("payload"), excluding: "sender")
            try await edge.bus.publish(topic, frame: F.frame("second"), excluding: nil)
            for i in 0..<20 {
                try await edge.bus.publish(topic, frame: F.frame("n\(i)"), excluding: nil)
            }
            try await edge.settle()
            #expect(
                edge.events.deliverySummaries == [
                    DeliverySummary(topic: topic, frame: "payload", excluding: "sender"),
                    DeliverySummary(topic: topic, frame: "second", excluding: nil),
                ] + (0..<20).map { DeliverySummary(topic: topic, frame: "n\($0)", excluding: nil) })
        }
    }

    @Test("topics of the same name but different kinds stay apart", arguments: BackendKind.allCases)
    func topicsApart(kind: BackendKind) async throws {
        let topics: [Topic] = [.channel("x"), .user("x"), .broadcast, .channel("y")]
        try await withEdge(kind) { edge async throws in
            for topic in topics { try await edge.bus.acquire(topic) }
            for (i, topic) in topics.enumerated() {
                try await edge.bus.publish(topic, frame: F.frame("f\(i)"), excluding: i == 0 ? "s" : nil)
            }
            try await edge.settle()
            #expect(
                edge.events.deliverySummaries
                    == topics.enumerated().map { i, topic in
                        DeliverySummary(topic: topic, frame: "f\(i)", excluding: i == 0 ? "s" : nil)
                    })
        }
    }

    @Test("only acquired topics are delivered (Redis); memory hands back every publish", arguments: BackendKind.allCases)
    func acquireAndRelease(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.channel("room"))
            try await edge.bus.publish(.channel("elsewhere"), frame: F.frame("never-acquired"), excluding: nil)
            try await edge.bus.publish(.channel("room"), frame: F.frame("acquired"), excluding: nil)
            await edge.bus.release(.channel("room"))
            try await edge.bus.publish(.channel("room"), frame: F.frame("released"), excluding: nil)
            try await edge.bus.acquire(.channel("room"))
            try await edge.bus.publish(.channel("room"), frame: F.frame("acquired-again"), excluding: nil)
            try await edge.settle()
            let frames = edge.events.deliverySummaries.map(\.frame)
            if kind.deliversOnlyAcquiredTopics {
                #expect(frames == ["acquired", "acquired-again"])
            } else {
                #expect(frames == ["never-acquired", "acquired", "released", "acquired-again"])
            }
        }
    }

    @Test("nothing is delivered after shutdown", arguments: BackendKind.allCases)
    func afterShutdown(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            try await edge.bus.acquire(.broadcast)
            try await edge.bus.publish(.broadcast, frame: F.frame("early"), excluding: nil)
            try await edge.settle()
            #expect(edge.events.deliverySummaries.map(\.frame) == ["early"])

            // Another edge still on the cluster (Redis), to publish after this one left.
            let peer = try await edge.peer()
            try await peer?.bus.acquire(.broadcast)

            await edge.shutdown()
            // Memory accepts and drops it; Redis' connections are closed, so it may throw.
            _ = try? await edge.bus.publish(.broadcast, frame: F.frame("late-own"), excluding: nil)
            if let peer {
                try await peer.bus.publish(.broadcast, frame: F.frame("late-peer"), excluding: nil)
                try await peer.settle()
                #expect(peer.events.deliverySummaries.map(\.frame) == ["late-peer"])
            }
            #expect(edge.events.all.count == 1)
            #expect(edge.events.deliverySummaries.map(\.frame) == ["early"])
        }
    }

    @Test("endSessions reaches the edge as .endSessions (Redis: every edge, over the control topic)", arguments: BackendKind.allCases)
    func endSessions(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let peer = try await edge.peer()
            try await edge.bus.endSessions(userId: "u1", sessionId: "s1")
            try await edge.bus.endSessions(userId: "u2", sessionId: nil)
            try await edge.settle()
            let expected = [EndedSessions(userId: "u1", sessionId: "s1"), EndedSessions(userId: "u2", sessionId: nil)]
            #expect(edge.events.endedSessions == expected)
            #expect(edge.events.deliveries.isEmpty)
            if let peer {
                try await peer.settle()
                #expect(peer.events.endedSessions == expected)
            }
        }
    }

    @Test("the backend names its kind", arguments: BackendKind.allCases)
    func kindName(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            #expect(edge.backend.kind == kind.rawValue)
            #expect(edge.bus.kind == kind.rawValue)
        }
    }

    @Test("node registration: register, beat and deregister succeed", arguments: BackendKind.allCases)
    func registration(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let heartbeat = Self.heartbeat(node: edge.nodeId)
            try await edge.backend.registration.register()
            try await edge.backend.registration.beat(heartbeat)
            await edge.backend.registration.deregister()
            // Registration never announces anything to the edge itself.
            try await edge.settle()
            #expect(edge.events.all.isEmpty)
        }
    }

    /// A node that crashed never deregistered; only Redis outlives the process.
    @Test("Redis: registering under a crashed predecessor's node id removes its members and announces their leaves")
    func registerAfterCrash() async throws {
        try await withEdge(.redis) { crashed async throws in
            try await crashed.bus.acquire(.channel("room"))
            try await crashed.backend.registration.register()
            try await crashed.backend.registration.beat(Self.heartbeat(node: "node-a"))
            _ = try await crashed.presence.join(channel: "room", member: F.member("a"), announce: F.frame("join-a"), excluding: nil)
            _ = try await crashed.presence.join(
                channel: "room", member: PresenceRecord(id: "b", node: "node-b"), announce: F.frame("join-b"), excluding: nil)

            // The same node id again, as after a crash and restart (EdgeNode: bus.start, then register).
            let restarted = try #require(try await crashed.peer(nodeId: "node-a"))
            try await restarted.bus.acquire(.channel("room"))
            try await restarted.backend.registration.register()
            try await restarted.settle()
            #expect(restarted.events.deliveries.map(\.topic) == [.channel("room")], "a's leave is announced")
            #expect(try await restarted.presence.members(of: "room").map(\.id) == ["b"])
            // The restarted edge must not hear an eviction notice about itself (it would
            // re-assert presence for nothing).
            #expect(restarted.events.evictions == 0)
        }
    }

    static func heartbeat(node: String) -> NodeHeartbeat {
        NodeHeartbeat(
            node: node, address: "127.0.0.1:0", version: "test", uptimeSeconds: 1, connections: 0, channels: 0,
            counters: .init(), backend: .init(kind: "redis", up: true), draining: false, timestamp: 0)
    }
}
