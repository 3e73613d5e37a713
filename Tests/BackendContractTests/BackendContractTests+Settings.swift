import RealtimeCore
import Testing

extension BackendContractTests {
    @Test("settings: none stored at first; seed stores once and then returns what is stored", arguments: BackendKind.allCases)
    func seed(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            #expect(try await edge.settings.load() == nil)
            let first = RealtimeSettings(apiKeyRequired: true, apiKeys: [APIKey(key: "k")])
            #expect(try await edge.settings.seed(first) == first)
            #expect(try await edge.settings.seed(RealtimeSettings(enabled: false)) == first)
            #expect(try await edge.settings.load() == first)
            // Seeding announces nothing.
            try await edge.settle()
            #expect(edge.events.all.isEmpty)
        }
    }

    @Test("store replaces the settings and emits settingsChanged (Redis: to every edge)", arguments: BackendKind.allCases)
    func store(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let peer = try await edge.peer()
            _ = try await edge.settings.seed(.default)
            let changed = RealtimeSettings(
                enabled: false, sessionRequired: true,
                rateLimits: [RateLimit(name: "burst", rate: 5, duration: 1, errorMessage: "slow down")], signoutEndsSessions: true)
            try await edge.settings.store(changed)
            try await edge.settle()
            #expect(edge.events.settingsChanges == [changed])
            #expect(edge.events.all.count == 1)
            #expect(try await edge.settings.load() == changed)
            #expect(try await edge.settings.seed(.default) == changed)
            if let peer {
                try await peer.settle()
                #expect(peer.events.settingsChanges == [changed])
                #expect(try await peer.settings.load() == changed)
            }
            // Storing again announces again, even without a change.
            try await edge.settings.store(changed)
            try await edge.settle()
            #expect(edge.events.settingsChanges == [changed, changed])
        }
    }
}
