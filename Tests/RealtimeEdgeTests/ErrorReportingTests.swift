import SocketIOProtocol
import Testing

/// Failures are never silent: in the ack when there is one, else `realtime:error {code, message, event}`.
@Suite("Error reporting and malformed input")
struct ErrorReportingTests {
    @Test("a failure without an ack is reported as realtime:error")
    func realtimeErrorWithoutAck() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            a.emit("join", ["channel": ""])
            let error = try await a.nextEvent("realtime:error")
            #expect(error["code"] == "invalid_channel")
            #expect(error["event"] == "join")
            #expect(error["message"]?.stringValue?.isEmpty == false)
            #expect(error.objectValue?.keys.sorted() == ["code", "event", "message"])
        }
    }

    @Test("a failure with an ack is {error: {code, message}} and no realtime:error")
    func errorInAck() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let ack = try await a.call("join", ["channel": ""])
            #expect(ack.errorCode == "invalid_channel")
            #expect(ack["error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(a.unread("realtime:error").isEmpty)
        }
    }

    static let badEvents: [(String, JSONValue, String)] = [
        ("frobnicate", ["channel": "x"], "invalid_payload"),
        ("join", "room", "invalid_payload"),
        ("message", [1, 2], "invalid_payload"),
        ("members", ["channel": "room"], "invalid_payload"),
    ]

    @Test("unknown events, non-object payloads and members without ack are errors", arguments: badEvents)
    func eventErrors(event: String, payload: JSONValue, code: String) async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            a.emit(event, payload)
            let error = try await a.nextEvent("realtime:error")
            #expect(error["code"]?.stringValue == code)
            #expect(error["event"]?.stringValue == event)
        }
    }

    @Test(
        "malformed packets after CONNECT get an error and the connection keeps working",
        arguments: [
            "42[", "4{}", "42{\"a\":1}", "4x", "9", "", "43abc", "42[\"join\",{\"channel\":\"r\"}]]",
        ])
    func malformedAfterConnect(frame: String) async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let other = try await edge.client()
            _ = try await other.join("room", echo: false)
            a.send(frame)
            // The bad frame is answered or ignored, never fatal: the next event still works.
            #expect(try await a.join("room") == okAck)
            #expect(!a.isClosed)
            #expect(try await other.nextEvent("channel:join")["message"]?["id"]?.stringValue == a.socketId)
            #expect(try await other.memberIds("room") == [other.socketId, a.socketId])
        }
    }

    @Test("an undecodable packet is reported as realtime:error invalid_payload")
    func malformedReported() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            a.send("42[\"unterminated")
            let error = try await a.nextEvent("realtime:error")
            #expect(error["code"] == "invalid_payload")
        }
    }

    @Test("a binary frame is refused with an error, not a crash")
    func binaryFrame() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            a.sendBinary([0x04, 0x01, 0x02])
            let error = try await a.nextEvent("realtime:error")
            #expect(error["code"] == "invalid_payload")
            #expect(try await a.join("r") == okAck)
        }
    }

    @Test("a binary event packet is refused in its ack")
    func binaryEvent() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            a.send(#"451-7["message",{"_placeholder":true,"num":0}]"#)
            let ack = try await a.nextPacket("the binary event's ack") { $0.type == .ack && $0.id == 7 }
            #expect(ack.eventArguments.first?.errorCode == "invalid_payload")
        }
    }

    @Test("a malformed packet before CONNECT closes only that connection")
    func malformedBeforeConnect() async throws {
        try await withEdge { edge in
            let bystander = try await edge.client()
            let bad = try await edge.socket()
            bad.send("4garbage{")
            #expect(await bad.waitUntilClosed())
            #expect(try await bystander.join("room") == okAck)
            #expect(try await bystander.memberIds("room") == [bystander.socketId])
        }
    }

    @Test("deeply nested JSON does not crash the edge")
    func deepNesting() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
            a.send(#"42["message",{"eventName":"e","message":"# + deep + "}]")
            #expect(try await a.nextEvent("realtime:error")["code"] == "invalid_payload")
            let b = try await edge.client()
            #expect(try await b.join("still-alive") == okAck)
        }
    }
}
