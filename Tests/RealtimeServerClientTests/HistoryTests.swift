import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("history")
struct HistoryTests {
    @Test("history reads a channel's last messages, oldest first, with limit and since")
    func history() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            var settings = try await sdk.getConfig()
            settings.channelRules = [ChannelRule(match: "log:*", history: HistoryPolicy(size: 2, ttlSeconds: 60))]
            _ = try await sdk.setConfig(settings)
            for n in 1...3 { try await sdk.send(channel: "log:a", eventName: "entry", message: .number(Double(n))) }

            let entries = try await sdk.history(channel: "log:a")
            #expect(entries.map(\.message) == [2, 3])
            #expect(entries.allSatisfy { $0.eventName == "entry" && $0.publishedAt.hasSuffix("Z") })
            #expect(try await sdk.history(channel: "log:a", limit: 1).map(\.message) == [3])
            #expect(try await sdk.history(channel: "log:a", since: entries[0].offset).map(\.message) == [3])
            await #expect(throws: RealtimeServerError.self) { try await sdk.history(channel: "no-rule") }
        }
    }
}
