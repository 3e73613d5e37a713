import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Slow consumers")
struct SlowConsumerTests {
    @Test("a client that stops reading is disconnected once its queue overflows; others are unaffected")
    func slowClientDisconnected() async throws {
        let limits = ConnectionLimits(maxQueuedFrames: 8, maxQueuedBytes: 256 * 1024)
        try await withEdge({ $0.limits = limits }) { edge in
            let slow = try await edge.client()
            let sender = try await edge.client(auth: ["echoMessages": false])
            let bystander = try await edge.client()
            _ = try await slow.join("flood")
            _ = try await bystander.join("calm")
            slow.pauseReading(true)

            let body = JSONValue.string(String(repeating: "x", count: 60_000))
            var sent = 0
            while edge.node.stats.slowClientDisconnects.load(ordering: .relaxed) == 0, sent < 1000 {
                for _ in 0..<20 {
                    sender.emit("message", ["channel": "flood", "eventName": "bulk", "message": body])
                }
                sent += 20
                // Sync with the sender's session so the flood cannot outrun the check.
                #expect(try await sender.call("message", ["channel": "calm", "eventName": "tick", "message": .number(Double(sent))]) == okAck)
                _ = try await bystander.nextEvent("tick")
            }
            #expect(await eventually { edge.node.stats.slowClientDisconnects.load(ordering: .relaxed) == 1 })
            #expect(await eventually { edge.node.connectionCount == 2 })
            #expect(try await bystander.memberIds("flood").isEmpty)
            #expect(!sender.isClosed)
            #expect(!bystander.isClosed)
            #expect(try await bystander.join("after") == okAck)
            let stats = try await http("GET", edge, "/stats", bearer: nil)
            #expect(stats.json?["slowClientDisconnects"] == 1)
            slow.pauseReading(false)
        }
    }
}
