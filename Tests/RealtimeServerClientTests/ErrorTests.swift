import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("server answers become typed errors")
struct ErrorTests {
    @Test("a wrong master key is unauthorized on every call")
    func wrongKey() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: "not-" + EdgeUnderTest.masterKey)
            let calls: [@Sendable () async throws -> Void] = [
                { try await sdk.send(channel: "c", eventName: "e", message: 1) },
                { try await sdk.broadcast(eventName: "e", message: 1) },
                { _ = try await sdk.getMembers(channel: "c") },
                { _ = try await sdk.channels() },
                { try await sdk.userEvent(userId: "u", eventName: .signin) },
                { _ = try await sdk.getConfig() },
                { try await sdk.setConfig(RealtimeSettingsDocument()) },
            ]
            for call in calls {
                await #expect(throws: RealtimeServerError.unauthorized) { try await call() }
            }
        }
    }

    @Test("a message over 64 KiB is payloadTooLarge and is not delivered")
    func oversized() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let member = try await SocketIOProbe.connect(to: edge)
            defer { member.close() }
            try await member.join("big")
            let big = JSONValue.string(String(repeating: "x", count: 70 * 1024))
            await #expect(throws: RealtimeServerError.payloadTooLarge) {
                try await sdk.send(channel: "big", eventName: "huge", message: big)
            }
            await #expect(throws: RealtimeServerError.payloadTooLarge) {
                try await sdk.broadcast(eventName: "huge", message: .string(String(repeating: "y", count: 300 * 1024)))
            }
            try await sdk.send(channel: "big", eventName: "small", message: 1)
            _ = try await member.next("small")
            #expect(!member.hasUnread("huge"))
        }
    }

    @Test("bad names are invalidRequest with the server's code")
    func invalidNames() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let reserved = await expectInvalidRequest { try await sdk.send(channel: "c", eventName: "user:signin", message: 1) }
            #expect(reserved?.code == "invalid_payload")
            #expect(reserved?.message.contains("reserved") == true)
            let long = await expectInvalidRequest {
                try await sdk.send(channel: String(repeating: "c", count: 257), eventName: "e", message: 1)
            }
            #expect(long?.code == "invalid_channel")
            let empty = await expectInvalidRequest { _ = try await sdk.getMembers(channel: "") }
            #expect(empty?.code == "invalid_channel")
        }
    }
}
