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

    @Test(
        "store replaces the settings with a higher version and emits settingsChanged (Redis: to every edge)",
        arguments: BackendKind.allCases)
    func store(kind: BackendKind) async throws {
        try await withEdge(kind) { edge async throws in
            let peer = try await edge.peer()
            _ = try await edge.settings.seed(.default)
            let changed = RealtimeSettings(
                enabled: false, sessionRequired: true,
                rateLimits: [RateLimit(name: "burst", rate: 5, duration: 1, errorMessage: "slow down")], signoutEndsSessions: true,
                channelRules: [ChannelRule(match: "private:*", join: .token)])
            let stored = try await edge.settings.store(changed, above: 0)
            #expect(stored.sameContent(as: changed))
            #expect(stored.version > 0, "a change gets a version above the seed's 0")
            try await edge.settle()
            #expect(edge.events.settingsChanges == [stored])
            #expect(edge.events.all.count == 1)
            #expect(try await edge.settings.load() == stored)
            #expect(try await edge.settings.seed(.default) == stored)
            if let peer {
                try await peer.settle()
                #expect(peer.events.settingsChanges == [stored])
                #expect(try await peer.settings.load() == stored)
            }
            // Storing again announces again, even without a change, with a higher version;
            // a floor above the stored version lifts the new one above it.
            let again = try await edge.settings.store(changed, above: stored.version + 10)
            #expect(again.version > stored.version + 10)
            try await edge.settle()
            #expect(edge.events.settingsChanges == [stored, again])
        }
    }
}
