import Foundation
import RealtimeCore
import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Handshake over the wire: CONNECT_ERROR shape and codes")
struct HandshakeTests {
    /// Checks PROTOCOL.md shape `{"message": title, "data": {"origin": "client_error", "code", "message"}}`.
    static func expectConnectError(_ reply: SocketIOPacket, code: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reply.type == .connectError, "reply: \(reply)", sourceLocation: sourceLocation)
        #expect(reply.namespace == "/", sourceLocation: sourceLocation)
        let data = reply.data
        #expect(
            data?["message"]?.stringValue?.isEmpty == false, "title missing in \(String(describing: data))", sourceLocation: sourceLocation)
        #expect(data?["data"]?["origin"] == "client_error", sourceLocation: sourceLocation)
        #expect(data?["data"]?["code"]?.stringValue == code, sourceLocation: sourceLocation)
        #expect(data?["data"]?["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(data?.objectValue?.keys.sorted() == ["data", "message"], sourceLocation: sourceLocation)
    }

    @Test("disabled realtime answers realtime_not_allowed")
    func disabled() async throws {
        try await withEdge({ $0.initialSettings = RealtimeSettings(enabled: false) }) { edge in
            let client = try await edge.socket()
            Self.expectConnectError(try await client.connect(), code: "realtime_not_allowed")
        }
    }

    @Test("a missing API key answers missing_api_key; a wrong one invalid_api_key; a valid one connects")
    func apiKeys() async throws {
        let settings = RealtimeSettings(
            apiKeyRequired: true,
            apiKeys: [
                APIKey(key: "good-key", name: "web"),
                APIKey(key: "old-key", expiresAt: Date(timeIntervalSinceNow: -60)),
            ])
        try await withEdge({ $0.initialSettings = settings }) { edge in
            Self.expectConnectError(try await edge.socket().connect(), code: "missing_api_key")
            Self.expectConnectError(try await edge.socket().connect(auth: ["apiKey": "nope"]), code: "invalid_api_key")
            Self.expectConnectError(try await edge.socket().connect(auth: ["apiKey": "old-key"]), code: "expired_api_key")
            let reply = try await edge.socket().connect(auth: ["apiKey": "good-key"])
            #expect(reply.type == .connect)
        }
    }

    @Test("the master key is never accepted as a client API key")
    func masterKeyIsNotAnAPIKey() async throws {
        try await withEdge({ $0.initialSettings = RealtimeSettings(apiKeyRequired: true, apiKeys: [APIKey(key: "k")]) }) { edge in
            Self.expectConnectError(try await edge.socket().connect(auth: ["apiKey": .string(TestEdge.masterKey)]), code: "invalid_api_key")
        }
    }

    @Test("sessions: missing, invalid and valid")
    func sessions() async throws {
        try await withEdge({ $0.initialSettings = RealtimeSettings(sessionRequired: true) }) { edge in
            Self.expectConnectError(try await edge.socket().connect(), code: "missing_session_token")
            Self.expectConnectError(try await edge.socket().connect(auth: ["session": "not.a.token"]), code: "invalid_session_token")
            let expired = try await SessionTokens.sign(sub: "u1", expiresIn: -30)
            Self.expectConnectError(try await edge.socket().connect(auth: ["session": .string(expired)]), code: "invalid_session_token")
            let valid = try await SessionTokens.sign(sub: "u1")
            #expect(try await edge.socket().connect(auth: ["session": .string(valid)]).type == .connect)
        }
    }

    @Test("after CONNECT_ERROR no further packets are accepted")
    func nothingAfterRefusal() async throws {
        try await withEdge({ $0.initialSettings = RealtimeSettings(apiKeyRequired: true, apiKeys: [APIKey(key: "k")]) }) { edge in
            let client = try await edge.socket()
            Self.expectConnectError(try await client.connect(), code: "missing_api_key")
            // Even a CONNECT with the right key is ignored now, as are events.
            client.send(SocketIOPacket(type: .connect, data: ["apiKey": "k"]))
            client.send(.event("join", [["channel": "room"]], id: 5))
            // The Engine.IO layer still answers a probe ping, which orders the check below.
            client.send("2probe")
            if !client.isClosed {
                _ = try? await client.nextFrame("the probe pong", within: .seconds(2)) { $0 == "3probe" }
            }
            #expect(client.inbox.pending.allSatisfy { !$0.hasPrefix("40") && !$0.hasPrefix("43") }, "\(client.inbox.pending)")
            #expect(try await edge.client(auth: ["apiKey": "k"]).memberIds("room").isEmpty)
        }
    }

    @Test("handshake failures are counted in /stats")
    func countedInStats() async throws {
        try await withEdge({ $0.initialSettings = RealtimeSettings(enabled: false) }) { edge in
            _ = try await edge.socket().connect()
            _ = try await edge.socket().connect()
            #expect(edge.node.stats.handshakeFailures.load(ordering: .relaxed) == 2)
            #expect(edge.node.connectionCount == 0)
        }
    }
}
