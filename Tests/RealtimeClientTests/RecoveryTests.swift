import Foundation
import RealtimeClient
import RealtimeTestSupport
import Testing

/// Connection state recovery with the Swift client: its edge is killed, messages keep
/// coming through the other edge, and the client comes back on it with its session.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RecoveryTests {
    static var cluster: LocalCluster.Options {
        var options = LocalCluster.Options(edges: 2, redis: true)
        options.settings = #"{"recovery": {"enabled": true, "maxDisconnectionSeconds": 60}}"#
        return options
    }

    @Test func aClientWhoseEdgeIsKilledRecoversEveryMissedMessage() async throws {
        try await withLocalCluster(Self.cluster) { cluster in
            var options = RealtimeClientOptions()
            options.reconnect = ReconnectPolicy(initialDelay: .milliseconds(100), maxDelay: .milliseconds(500))
            let doomed = cluster.edges[0]
            let survivor = cluster.edges[1]
            let alice = RealtimeClient(urls: [doomed.url, survivor.url], options: options)
            let log = EventLog(alice)
            try await alice.open()
            let firstId = try #require(alice.id)
            #expect(!alice.recovered)
            try await alice.updateProfile(["name": "alice"])
            try await alice.join("room")

            func publish(_ n: Int) async throws {
                let result = try await LocalCluster.http(
                    survivor.httpBase + "/api/v1/channels/room/messages", method: "POST", body: #"{"eventName":"n","message":\#(n)}"#,
                    bearer: LocalCluster.masterKey)
                #expect(result.status == 202)
            }
            try await publish(0)
            _ = try await log.wait("the first message") { $0.message("n") }

            doomed.process.kill()
            _ = try await log.wait("alice notices") { if case .disconnected = $0 { true } else { nil } }
            for n in 1...4 { try await publish(n) }
            let back = try await log.wait("alice reconnects", within: .seconds(20)) { event in
                event.connectedId.flatMap { $0.reconnected ? $0.id : nil }
            }
            #expect(back == firstId)
            #expect(alice.recovered)
            try await publish(5)
            _ = try await log.wait("the new message") { event in event.message("n").flatMap { $0.message == 5 ? true : nil } }
            #expect(log.matching { $0.message("n")?.message.intValue } == Array(0...5))
            let members = try await alice.getMembers("room")
            #expect(members.map(\.id) == [firstId] && members.first?.data?["name"]?.stringValue == "alice")
            await alice.close()
        }
    }
}
