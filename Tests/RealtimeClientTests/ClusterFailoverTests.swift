import Foundation
import RealtimeClient
import RealtimeTestSupport
import Testing

/// The client against a real cluster: redis-server, a coordinator, three edges
/// and HAProxy (deploy/haproxy.cfg), all on 127.0.0.1.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct ClusterFailoverTests {
    static let cluster = LocalCluster.Options(edges: 3, redis: true, coordinator: true, loadBalancer: true)

    static var fastReconnect: RealtimeClientOptions {
        var options = RealtimeClientOptions()
        options.reconnect = ReconnectPolicy(initialDelay: .milliseconds(200), maxDelay: .seconds(1))
        options.ackTimeout = .seconds(5)
        return options
    }

    @Test func everyMethodWorksAcrossEdges() async throws {
        try await withLocalCluster(Self.cluster) { cluster in
            let alice = RealtimeClient(url: cluster.edges[0].url)
            let bob = RealtimeClient(url: cluster.edges[1].url)
            let carol = RealtimeClient(url: cluster.url)  // through the load balancer
            let aliceLog = EventLog(alice)
            let bobLog = EventLog(bob)
            let carolLog = EventLog(carol)
            for client in [alice, bob, carol] { try await client.open() }
            let aliceId = try #require(alice.id)

            try await bob.join("room")
            try await alice.updateProfile(["name": "alice"])
            try await alice.join("room")
            let joined = try await bobLog.wait("bob sees alice join") { $0.presence(.join, channel: "room", id: aliceId) }
            #expect(joined.member.data?["name"]?.stringValue == "alice")
            #expect(Set(try await carol.getMembers("room").map(\.id)) == [aliceId, try #require(bob.id)])

            try await alice.send("room", "chat", ["text": "across"])
            #expect(try await bobLog.wait("the chat on another edge") { $0.message("chat") }.message == ["text": "across"])
            try await bob.broadcast("news", "all")
            for log in [aliceLog, carolLog] {
                #expect(try await log.wait("the broadcast") { $0.message("news") }.channel == nil)
            }
            try await alice.updateProfile(["name": "alice 2"])
            _ = try await bobLog.wait("the update") { $0.presence(.update, channel: "room", id: aliceId) }
            try await alice.leave("room")
            _ = try await bobLog.wait("the leave") { $0.presence(.leave, channel: "room", id: aliceId) }
            for client in [alice, bob, carol] { await client.close() }
        }
    }

    @Test func aClientWhoseEdgeIsKilledReconnectsElsewhereAndIsSeenAgain() async throws {
        try await withLocalCluster(Self.cluster) { cluster in
            let alice = RealtimeClient(url: cluster.url, options: Self.fastReconnect)
            let aliceLog = EventLog(alice)
            try await alice.open()
            let firstId = try #require(alice.id)
            try await alice.updateProfile(["name": "alice"])
            try await alice.join("room")

            // Which edge did the load balancer pick? The one with a connection.
            var aliceEdge: LocalCluster.Edge?
            _ = await eventually(within: .seconds(5)) {
                for edge in cluster.edges {
                    let stats = try? await LocalCluster.http(edge.httpBase + "/stats")
                    if let connections = stats?.json?["connections"]?.intValue, connections > 0 {
                        aliceEdge = edge
                        return true
                    }
                }
                return false
            }
            let doomed = try #require(aliceEdge)
            let survivor = try #require(cluster.edges.first { $0.nodeId != doomed.nodeId })
            let bob = RealtimeClient(url: survivor.url)
            let bobLog = EventLog(bob)
            try await bob.open()
            let bobId = try #require(bob.id)
            try await bob.join("room")
            #expect(Set(try await bob.getMembers("room").map(\.id)) == [firstId, bobId])

            let killedAt = ContinuousClock.now
            doomed.process.kill()
            _ = try await aliceLog.wait("alice notices") { if case .disconnected = $0 { true } else { nil } }
            // A call made while reconnecting waits for the new connection (buffering).
            let during = Task { try await alice.send("room", "during", "sent while reconnecting") }

            let reconnected = try await aliceLog.wait("alice reconnects", within: .seconds(20)) { event in
                event.connectedId.flatMap { $0.reconnected ? $0.id : nil }
            }
            let reconnectTime = ContinuousClock.now - killedAt
            #expect(reconnected != firstId)
            #expect(alice.isConnected)
            #expect(!aliceLog.matching { if case .reconnectAttempt(let n, _) = $0 { n } else { nil } }.isEmpty)
            try await during.value

            // Bob sees the old connection leave (the coordinator evicts the dead node)
            // and the new one join with alice's restored profile.
            let rejoined = try await bobLog.wait("alice re-joins", within: .seconds(20)) {
                $0.presence(.join, channel: "room", id: reconnected)
            }
            #expect(rejoined.member.data?["name"]?.stringValue == "alice")
            _ = try await bobLog.wait("the ghost's leave", within: .seconds(20)) { $0.presence(.leave, channel: "room", id: firstId) }
            #expect(try await bobLog.wait("the buffered message") { $0.message("during") }.message == "sent while reconnecting")
            let converged = await eventually(within: .seconds(10)) {
                (try? await Set(bob.getMembers("room").map(\.id))) == [reconnected, bobId]
            }
            #expect(converged)

            // Still a working member: messages flow both ways.
            try await bob.send("room", "after", 1)
            _ = try await aliceLog.wait("a message after the failover") { $0.message("after") }
            try await Task.sleep(for: .seconds(1))
            #expect(bobLog.matching { $0.presence(.leave, channel: "room", id: firstId) }.count == 1)
            print("client failover: reconnected and restored \(reconnectTime) after the SIGKILL")
            await alice.close()
            await bob.close()
        }
    }
}
