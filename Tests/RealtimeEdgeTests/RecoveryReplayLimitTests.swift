import RealtimeCore
import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Recovery replay bounds")
struct RecoveryReplayLimitTests {
    /// A session lost after seeing one message, while `missed` more go to its channel;
    /// returns whether the CONNECT with its pid and offset recovered it.
    static func recovers(missing missed: Int, maxQueuedFrames: Int) async throws -> Bool {
        var recovered = false
        try await withEdge({
            $0.limits = ConnectionLimits(maxQueuedFrames: maxQueuedFrames)
            $0.initialSettings.recovery = RecoverySettings(enabled: true, maxDisconnectionSeconds: 60)
        }) { edge in
            let lost = try await edge.socket()
            let reply = try await lost.connect()
            let sid = try #require(reply.data?["sid"]?.stringValue)
            let pid = try #require(reply.data?["pid"]?.stringValue)
            _ = try await lost.join("room")
            let sender = try await edge.client()
            #expect(try await sender.call("message", ["channel": "room", "eventName": "n", "message": 0]) == okAck)
            let offset = try #require(try await lost.nextEventArguments("n").last?.stringValue)
            lost.close()
            #expect(await lost.waitUntilClosed())
            #expect(await eventually(within: .seconds(3)) { edge.node.connectionCount == 1 })
            for n in 1...missed {
                #expect(try await sender.call("message", ["channel": "room", "eventName": "n", "message": .number(Double(n))]) == okAck)
            }
            let back = try await edge.socket()
            let again = try await back.connect(auth: ["pid": .string(pid), "offset": .string(offset)])
            recovered = again.data?["sid"]?.stringValue == sid && again.data?["pid"]?.stringValue == pid
            if recovered {
                for n in 1...missed {
                    #expect(try await back.nextEventArguments("n").first?["message"] == .number(Double(n)))
                }
            }
        }
        return recovered
    }

    @Test("a replay that fits the outbound queue recovers the session")
    func fits() async throws {
        #expect(try await Self.recovers(missing: 10, maxQueuedFrames: 64))
    }

    @Test("a replay larger than the outbound queue gives a new session instead of a slow-consumer disconnect")
    func tooLarge() async throws {
        #expect(try await !Self.recovers(missing: 80, maxQueuedFrames: 64))
    }
}
