import SocketIOProtocol
import Testing

/// A connection's events are pipelined (ClientSession+Pipeline): many publishes in
/// flight, yet acks in event order and joins applied in order.
@Suite("pipelined events")
struct PipelineTests {
    @Test("a flood of messages, bad ones and joins mixed in, is acked in event order")
    func acksInOrderUnderAFlood() async throws {
        try await withEdge { edge in
            let sender = try await edge.client()
            let member = try await edge.client()
            _ = try await member.join("flood")
            var expected: [(id: Int, error: String?)] = []
            var delivered: [Int] = []
            for i in 0..<400 {
                let id = sender.makeAckId()
                if i % 7 == 3 {
                    // Fails before any publish: its error must still wait its turn.
                    sender.send(.event("message", [["channel": "", "eventName": "seq", "message": .number(Double(i))]], id: id))
                    expected.append((id, "invalid_channel"))
                } else if i % 50 == 10 {
                    sender.send(.event("join", [["channel": .string("joined-\(i)")]], id: id))
                    expected.append((id, nil))
                } else {
                    sender.send(.event("message", [["channel": "flood", "eventName": "seq", "message": .number(Double(i))]], id: id))
                    expected.append((id, nil))
                    delivered.append(i)
                }
            }
            for (index, want) in expected.enumerated() {
                let ack = try await sender.nextPacket("ack #\(index)") { $0.type == .ack }
                #expect(ack.id == want.id, "ack #\(index) has id \(ack.id ?? -1), expected \(want.id)")
                let argument = ack.eventArguments.first ?? .null
                if let code = want.error {
                    #expect(argument.errorCode == code)
                } else {
                    #expect(argument == okAck)
                }
            }
            var received: [Int] = []
            for _ in delivered {
                received.append(try await member.nextEvent("seq")["message"]?.intValue ?? -1)
            }
            #expect(received == delivered)
        }
    }

    @Test("a join sent after messages is applied after them, and one before them before")
    func joinOrder() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let watcher = try await edge.client()
            _ = try await watcher.join("order", echo: false)
            for i in 0..<40 {
                a.emit("message", ["channel": "order", "eventName": "before-join", "message": .number(Double(i))])
            }
            // The join's channel:join reaches the watcher after every message sent before it.
            let joinId = a.makeAckId()
            a.send(.event("join", [["channel": "order"]], id: joinId))
            _ = try await a.nextPacket("join ack") { $0.type == .ack && $0.id == joinId }
            var names: [String] = []
            for _ in 0..<41 {
                names.append(try await watcher.nextPacket("an event") { $0.type == .event }.eventName ?? "")
            }
            #expect(names == Array(repeating: "before-join", count: 40) + ["channel:join"])
            // A message sent right after the join reaches the joiner itself (echo): the join was applied first.
            a.emit("message", ["channel": "order", "eventName": "after-join", "message": 1])
            #expect(try await a.nextEvent("after-join") == ["channel": "order", "message": 1])
        }
    }
}
