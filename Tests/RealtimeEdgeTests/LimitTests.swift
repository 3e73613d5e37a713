import RealtimeCore
import SocketIOProtocol
import Testing

/// Exceeding a limit is an error (in the ack, or realtime:error), never a disconnect.
@Suite("Limits")
struct LimitTests {
    /// A JSON string whose serialized form is exactly `bytes` long (quotes included).
    static func jsonString(serializedBytes bytes: Int) -> JSONValue {
        .string(String(repeating: "x", count: bytes - 2))
    }

    @Test("channel names: 256 bytes pass, 257 and control characters are invalid_channel")
    func channelNames() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            #expect(try await a.join(String(repeating: "é", count: 128)) == okAck)
            #expect(try await a.join(String(repeating: "a", count: 257)).errorCode == "invalid_channel")
            #expect(try await a.join(String(repeating: "é", count: 129)).errorCode == "invalid_channel")
            #expect(try await a.join("bad\u{7}name").errorCode == "invalid_channel")
            #expect(try await a.join("bad\u{85}name").errorCode == "invalid_channel")
            #expect(try await a.join("").errorCode == "invalid_channel")
            #expect(
                try await a.call("message", ["channel": .string(String(repeating: "a", count: 257)), "eventName": "e", "message": 1])
                    .errorCode == "invalid_channel")
            #expect(!a.isClosed)
        }
    }

    @Test("a message payload over 64 KiB is payload_too_large; exactly 64 KiB passes")
    func payloadSize() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await b.join("room")
            let atLimit = Self.jsonString(serializedBytes: 64 * 1024)
            let overLimit = Self.jsonString(serializedBytes: 64 * 1024 + 1)
            #expect(try await a.call("message", ["channel": "room", "eventName": "big", "message": atLimit]) == okAck)
            #expect(try await b.nextEvent("big")["message"] == atLimit)
            let refused = try await a.call("message", ["channel": "room", "eventName": "big", "message": overLimit])
            #expect(refused.errorCode == "payload_too_large")
            #expect(refused["error"]?["message"]?.stringValue?.isEmpty == false)
            // Still connected and usable.
            #expect(try await a.call("message", ["channel": "room", "eventName": "small", "message": 1]) == okAck)
            #expect(try await b.nextEvent("small")["message"] == 1)
            #expect(b.unread("big").isEmpty)
        }
    }

    @Test("a broadcast payload over 64 KiB is payload_too_large too")
    func broadcastSize() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let refused = try await a.call("message", ["eventName": "big", "message": Self.jsonString(serializedBytes: 64 * 1024 + 1)])
            #expect(refused.errorCode == "payload_too_large")
        }
    }

    @Test("metadata over 16 KiB is payload_too_large; exactly 16 KiB passes")
    func metadataSize() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            _ = try await a.join("room")
            let atLimit = Self.jsonString(serializedBytes: 16 * 1024)
            #expect(try await a.call("update", ["data": atLimit]) == okAck)
            #expect(try await a.call("update", ["data": Self.jsonString(serializedBytes: 16 * 1024 + 1)]).errorCode == "payload_too_large")
            // The refused update did not replace the metadata.
            #expect(try await a.members("room")["data"]?[0]?["data"] == atLimit)
        }
    }

    @Test("the 101st channel of a connection is not_allowed")
    func channelCount() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            for i in 0..<100 {
                let ack = try await a.join("c\(i)", echo: false)
                #expect(ack == okAck, "join \(i): \(ack)")
            }
            #expect(try await a.join("c100", echo: false).errorCode == "not_allowed")
            #expect(try await a.memberIds("c100").isEmpty)
            // Rejoining one it is already in is still fine, and leaving frees a slot.
            #expect(try await a.join("c5", echo: false) == okAck)
            #expect(try await a.leave("c0", echo: false) == okAck)
            #expect(try await a.join("c100", echo: false) == okAck)
        }
    }

    @Test("configured limits are honoured")
    func configuredLimits() async throws {
        try await withEdge({
            $0.limits = ConnectionLimits(maxChannelNameBytes: 8, maxMetadataBytes: 10, maxPayloadBytes: 20, maxChannelsPerConnection: 2)
        }) { edge in
            let a = try await edge.client()
            #expect(try await a.join("123456789").errorCode == "invalid_channel")
            #expect(try await a.join("1") == okAck)
            #expect(try await a.join("2") == okAck)
            #expect(try await a.join("3").errorCode == "not_allowed")
            #expect(try await a.call("update", ["data": Self.jsonString(serializedBytes: 11)]).errorCode == "payload_too_large")
            #expect(
                try await a.call("message", ["channel": "1", "eventName": "e", "message": Self.jsonString(serializedBytes: 21)]).errorCode
                    == "payload_too_large")
        }
    }
}
