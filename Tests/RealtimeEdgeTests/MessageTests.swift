import SocketIOProtocol
import Testing

@Suite("message: to a channel and broadcast")
struct MessageTests {
    @Test("a channel message reaches members as <eventName> {channel, message}")
    func channelMessage() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            let outsider = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            let ack = try await a.call("message", ["channel": "room", "eventName": "chat", "message": ["text": "hello", "n": 1]])
            #expect(ack == okAck)
            #expect(try await b.nextEvent("chat") == ["channel": "room", "message": ["text": "hello", "n": 1]])
            try await a.mark(nil, "end")
            try await outsider.awaitMark("end")
            #expect(outsider.unread("chat").isEmpty)
        }
    }

    @Test("sending to a channel does not require membership")
    func nonMemberSends() async throws {
        try await withEdge { edge in
            let member = try await edge.client()
            let sender = try await edge.client()
            _ = try await member.join("room")
            #expect(try await sender.call("message", ["channel": "room", "eventName": "ping", "message": .null]) == okAck)
            #expect(try await member.nextEvent("ping") == ["channel": "room", "message": .null])
        }
    }

    @Test("a message without channel is a broadcast to every client, with channel null")
    func broadcast() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client(path: "/realtime/")
            let c = try await edge.client()
            _ = try await b.join("somewhere")
            #expect(try await a.call("message", ["eventName": "news", "message": [1, 2, 3]]) == okAck)
            for client in [a, b, c] {
                #expect(try await client.nextEvent("news") == ["channel": .null, "message": [1, 2, 3]])
            }
            // channel: null is also a broadcast.
            _ = try await a.call("message", ["channel": .null, "eventName": "news2", "message": "x"])
            #expect(try await c.nextEvent("news2") == ["channel": .null, "message": "x"])
        }
    }

    @Test("messages arrive in the order they were sent")
    func ordering() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await b.join("room")
            for i in 0..<20 {
                a.emit("message", ["channel": "room", "eventName": "seq", "message": .number(Double(i))])
            }
            var received: [Int] = []
            for _ in 0..<20 {
                received.append(try await b.nextEvent("seq")["message"]?.intValue ?? -1)
            }
            #expect(received == Array(0..<20))
        }
    }

    static let badPayloads: [(JSONValue, String)] = [
        (["channel": "room", "message": 1], "invalid_payload"),
        (["channel": "room", "eventName": 5, "message": 1], "invalid_payload"),
        (["channel": "room", "eventName": "", "message": 1], "invalid_payload"),
        (["channel": "room", "eventName": "channel:join", "message": 1], "invalid_payload"),
        (["channel": "room", "eventName": "user:signin", "message": 1], "invalid_payload"),
        (["channel": "room", "eventName": "realtime:error", "message": 1], "invalid_payload"),
        (["channel": "", "eventName": "chat", "message": 1], "invalid_channel"),
        (["channel": 7, "eventName": "chat", "message": 1], "invalid_channel"),
    ]

    @Test("bad message payloads are refused", arguments: badPayloads)
    func badMessages(payload: JSONValue, code: String) async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            #expect(try await a.call("message", payload).errorCode == code)
        }
    }
}
