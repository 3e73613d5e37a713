import RealtimeCore
import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Slow consumers")
struct SlowConsumerTests {
    @Test("a client that stops reading is disconnected once its queue overflows; others are unaffected")
    func slowClientDisconnected() async throws {
        let limits = ConnectionLimits(maxQueuedFrames: 8, maxQueuedBytes: 256 * 1024)
        try await withEdge(exclusive: true, { $0.limits = limits }) { edge in
            let slow = try await edge.client()
            let sender = try await edge.client(auth: ["echoMessages": false])
            let bystander = try await edge.client()
            _ = try await slow.join("flood")
            _ = try await bystander.join("calm")
            slow.pauseReading(true)

            // Flood the channel until the edge gives up on the slow client (socket buffers
            // absorb a few MB first), syncing with the sender so the flood cannot outrun the check.
            let body = JSONValue.string(String(repeating: "x", count: 60_000))
            var sent = 0
            while !edge.queueOverflowed(slow.socketId), edge.node.stats.slowClientDisconnects.load(ordering: .relaxed) == 0, sent < 1000 {
                for _ in 0..<10 {
                    sender.emit("message", ["channel": "flood", "eventName": "bulk", "message": body])
                }
                sent += 10
                #expect(
                    try await sender.call("message", ["channel": "calm", "eventName": "tick", "message": .number(Double(sent))]) == okAck)
                _ = try await bystander.nextEvent("tick")
            }

            // The slow client still does not read: the edge itself must end it.
            #expect(await eventually(within: .seconds(3)) { edge.node.stats.slowClientDisconnects.load(ordering: .relaxed) == 1 })
            #expect(await eventually(within: .seconds(1)) { edge.node.connectionCount == 2 })
            #expect(try await bystander.memberIds("flood").isEmpty)
            let stats = try await http("GET", edge, "/stats", bearer: nil)
            #expect(stats.json?["slowClientDisconnects"] == 1)

            // Everyone else carries on.
            #expect(!sender.isClosed)
            #expect(!bystander.isClosed)
            #expect(try await bystander.join("after") == okAck)
            #expect(try await sender.call("message", ["channel": "calm", "eventName": "tock", "message": 1]) == okAck)
            #expect(try await bystander.nextEvent("tock")["message"] == 1)

            // Once it reads again it finds its connection closed.
            slow.pauseReading(false)
            #expect(await slow.waitUntilClosed())
        }
    }
}
