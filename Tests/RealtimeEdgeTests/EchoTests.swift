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
}
