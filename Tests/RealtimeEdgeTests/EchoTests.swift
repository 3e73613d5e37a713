import SocketIOProtocol
import Testing

/// Echo: `payload.echo ?? handshake echoMessages`; with echo off the sender does not get its own event.
/// The sender's own copy, if any, is queued before its ack, so checking after the ack is exact.
@Suite("Echo rules")
struct EchoTests {
    @Test("by default the sender receives its own message")
    func defaultEcho() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            _ = try await a.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": 1])
            #expect(a.unread("chat").count == 1)
        }
    }

    @Test("handshake echoMessages false: the sender does not receive its message, others do")
    func handshakeEchoOff() async throws {
        try await withEdge { edge in
            let a = try await edge.client(auth: ["echoMessages": false])
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": 1])
            _ = try await a.call("message", ["eventName": "shout", "message": 2])
            #expect(a.unread("chat").isEmpty)
            #expect(a.unread("shout").isEmpty)
            #expect(try await b.nextEvent("chat")["message"] == 1)
            #expect(try await b.nextEvent("shout")["message"] == 2)
        }
    }

    @Test("payload echo true overrides handshake echoMessages false")
    func payloadOverridesOn() async throws {
        try await withEdge { edge in
            let a = try await edge.client(auth: ["echoMessages": false])
            _ = try await a.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": 1, "echo": true])
            #expect(a.unread("chat").count == 1)
        }
    }

    @Test("payload echo false overrides the default")
    func payloadOverridesOff() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": 1, "echo": false])
            #expect(a.unread("chat").isEmpty)
            #expect(try await b.nextEvent("chat")["message"] == 1)
        }
    }

    @Test("join echo: the joiner gets its own channel:join only when echo is on")
    func joinEcho() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            _ = try await a.join("echoed")
            #expect(a.unread("channel:join").map { $0["channel"] } == ["echoed"])
            _ = try await a.join("quiet", echo: false)
            #expect(a.unread("channel:join").count == 1)
            let silent = try await edge.client(auth: ["echoMessages": false])
            _ = try await silent.join("room")
            #expect(silent.unread("channel:join").isEmpty)
            _ = try await silent.join("room2", echo: true)
            #expect(silent.unread("channel:join").map { $0["channel"] } == ["room2"])
        }
    }

    @Test("leave echo: the leaver gets its own channel:leave only when echo is on")
    func leaveEcho() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            _ = try await a.join("one")
            _ = try await a.join("two")
            _ = try await a.leave("one")
            #expect(a.unread("channel:leave") == [["channel": "one", "message": ["id": .string(a.socketId), "data": .null]]])
            _ = try await a.leave("two", echo: false)
            #expect(a.unread("channel:leave").count == 1)
        }
    }

    @Test("update echo: the updater gets its own channel:update only when echo is on")
    func updateEcho() async throws {
        try await withEdge { edge in
            let a = try await edge.client(auth: ["echoMessages": false])
            _ = try await a.join("room")
            _ = try await a.call("update", ["data": 1])
            #expect(a.unread("channel:update").isEmpty)
            _ = try await a.call("update", ["data": 2, "echo": true])
            #expect(a.unread("channel:update") == [["channel": "room", "message": ["id": .string(a.socketId), "data": 2]]])
        }
    }

    /// The echo and the ack travel different paths inside the edge (fan-out on the
    /// connection's event loop, the ack from the session). The client reads the frames in
    /// the order they came, so each round checks that the echo came first; many clients at
    /// once keep the loops busy, where a wrong order is likeliest.
    @Test("the sender's own copy arrives before its ack, with the loops busy")
    func echoPrecedesAck() async throws {
        try await withEdge { edge in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<16 {
                    let a = try await edge.client()
                    group.addTask {
                        for round in 0..<40 {
                            let room = JSONValue.string("room\(client)-\(round)")
                            let place = "client \(client) round \(round)"
                            let joined = try await a.echoCameBeforeAck("join", ["channel": room], echoName: "channel:join")
                            #expect(joined, "\(place): join")
                            let sent = try await a.echoCameBeforeAck(
                                "message", ["channel": room, "eventName": "chat", "message": 1], echoName: "chat")
                            #expect(sent, "\(place): message")
                            let left = try await a.echoCameBeforeAck("leave", ["channel": room], echoName: "channel:leave")
                            #expect(left, "\(place): leave")
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }
}

extension SocketIOTestClient {
    /// Emits `name` with an ack and takes the first of the two frames it causes: its echo
    /// (an event called `echoName`) or its ack; then takes the other. True when the echo was first.
    fileprivate func echoCameBeforeAck(_ name: String, _ payload: JSONValue, echoName: String) async throws -> Bool {
        let id = makeAckId()
        send(.event(name, [payload], id: id))
        let isEcho: @Sendable (SocketIOPacket) -> Bool = { $0.type == .event && $0.eventName == echoName }
        let isAck: @Sendable (SocketIOPacket) -> Bool = { $0.type == .ack && $0.id == id }
        let first = try await nextPacket("the echo or the ack of \(name)") { isEcho($0) || isAck($0) }
        let echoFirst = isEcho(first)
        _ = try await nextPacket("the other of the echo and the ack of \(name)", echoFirst ? isAck : isEcho)
        return echoFirst
    }
}
