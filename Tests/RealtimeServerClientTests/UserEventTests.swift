import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("userEvent reaches the user's connections")
struct UserEventTests {
    @Test(
        "every connection of the user gets (eventName, session without token, user); others nothing",
        arguments: UserEventKind.allCases)
    func delivered(kind: UserEventKind) async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let first = try await SocketIOProbe.connect(
                to: edge, auth: ["session": .string(SessionToken.make(userId: "u-1", sessionId: "s-1"))])
            let second = try await SocketIOProbe.connect(
                to: edge, auth: ["session": .string(SessionToken.make(userId: "u-1", sessionId: "s-2"))])
            let otherUser = try await SocketIOProbe.connect(
                to: edge, auth: ["session": .string(SessionToken.make(userId: "u-2", sessionId: "s-3"))])
            let anonymous = try await SocketIOProbe.connect(to: edge)
            defer { [first, second, otherUser, anonymous].forEach { $0.close() } }

            let session: JSONValue = ["id": "s-9", "token": "SECRET", "device": ["os": "linux", "refreshToken": "R"]]
            let user: JSONValue = ["id": "u-1", "email": "u1@example.test"]
            try await sdk.userEvent(userId: "u-1", eventName: kind, session: session, user: user)

            let expected: [JSONValue] = [.string(kind.eventName), ["id": "s-9", "device": ["os": "linux"]], user]
            #expect(try await first.next(kind.eventName) == expected)
            #expect(try await second.next(kind.eventName) == expected)
            // Both of u-1's connections have it; a misdelivery would have arrived by now too.
            #expect(!otherUser.hasUnread(kind.eventName))
            #expect(!anonymous.hasUnread(kind.eventName))
        }
    }

    @Test("session and user are optional and arrive as null")
    func withoutSessionOrUser() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let client = try await SocketIOProbe.connect(
                to: edge, auth: ["session": .string(SessionToken.make(userId: "u/ü 1", sessionId: "s"))])
            defer { client.close() }
            try await sdk.userEvent(userId: "u/ü 1", eventName: .update)
            #expect(try await client.next("user:update") == ["user:update", .null, .null])
        }
    }
}
