import Testing

@Suite("Engine.IO heartbeat")
struct HeartbeatTests {
    @Test("with pingInterval 200 ms / pingTimeout 200 ms, a client that answers stays, one that does not is closed")
    func heartbeat() async throws {
        try await withEdge(
            exclusive: true,
            {
                $0.pingInterval = .milliseconds(200)
                $0.pingTimeout = .milliseconds(200)
            }
        ) { edge in
            let answering = try await edge.socket(answerPings: true)
            _ = try await answering.connectOK()
            let silent = try await edge.socket(answerPings: false)
            _ = try await silent.connectOK()
            _ = try await silent.join("room")

            // The silent one is closed well within a generous bound (it should take ~0.4 s).
            #expect(await silent.waitUntilClosed(within: .seconds(3)))
            #expect(silent.inbox.pingsSeen >= 1)

            // The answering one is still connected after more than a second.
            try await Task.sleep(for: .milliseconds(1200))
            #expect(!answering.isClosed)
            #expect(answering.inbox.pingsSeen >= 2)
            #expect(try await answering.join("room") == okAck)
            // And the silent one's presence is gone.
            #expect(try await answering.memberIds("room") == [answering.socketId])
        }
    }

    @Test("pings are bare '2' frames")
    func pingFrame() async throws {
        try await withEdge({
            $0.pingInterval = .milliseconds(100)
            $0.pingTimeout = .milliseconds(2000)
        }) { edge in
            let client = try await edge.socket(answerPings: true)
            _ = try await client.nextFrame("a ping", within: .seconds(3)) { $0 == "2" }
        }
    }
}
