import Foundation
import RealtimeCore
import Testing

/// SPEC §7 on the memory backend and the change log: versions only go up, and a
/// logged change never shows an API key.
@Suite struct SettingsVersionTests {
    @Test func memoryStoreSeedsVersionZeroAndRaisesItOnEveryChange() async throws {
        let store = MemorySettingsStore(bus: MemoryMessageBus())
        let seeded = try await store.seed(RealtimeSettings(enabled: false).withVersion(42))
        #expect(seeded.version == 0, "a seed is version 0 whatever the file says")
        #expect(try await store.seed(RealtimeSettings()).enabled == false, "a seed never replaces stored settings")
        let first = try await store.store(RealtimeSettings(enabled: true), above: 0)
        #expect(first.version == 1)
        let second = try await store.store(RealtimeSettings(apiKeyRequired: true), above: 7)
        #expect(second.version == 8, "above the changing edge's own version too")
        #expect(try await store.load() == second)
    }

    @Test func memoryStoreRestoreNeverTakesAnOlderVersion() async throws {
        let store = MemorySettingsStore(bus: MemoryMessageBus())
        _ = try await store.store(RealtimeSettings(), above: 4)  // version 5
        #expect(try await store.restore(RealtimeSettings().withVersion(5)) == .inAgreement)
        guard case .newer(let stored) = try await store.restore(RealtimeSettings().withVersion(2)) else {
            Issue.record("an older enforced version must be told about the newer stored one")
            return
        }
        #expect(stored.version == 5)
        #expect(try await store.restore(RealtimeSettings(enabled: false).withVersion(9)) == .wroteBack)
        #expect(try await store.load()?.version == 9)
    }

    @Test func versionIsReadAndWrittenAndCanBeLeftOut() throws {
        let settings = RealtimeSettings(enabled: false).withVersion(12)
        let json = String(decoding: SettingsCoding.encode(settings), as: UTF8.self)
        #expect(json.contains("\"version\":12"))
        #expect(try SettingsCoding.decode(Data(json.utf8)) == settings)
        let bare = String(decoding: SettingsCoding.encode(settings, includingVersion: false), as: UTF8.self)
        #expect(!bare.contains("version") && bare.hasPrefix("{"))
        #expect(try SettingsCoding.decode(Data(bare.utf8)).version == 0)
    }

    @Test func changesNameEveryFieldAndMaskKeys() {
        let old = RealtimeSettings().withVersion(1)
        let new = RealtimeSettings(
            enabled: false, apiKeyRequired: true,
            apiKeys: [APIKey(key: "sk-very-secret", name: "web"), APIKey(key: "sk-other-secret")],
            rateLimits: [RateLimit(name: "burst", rate: 5, duration: 1, errorMessage: "slow")]
        ).withVersion(2)
        let changes = SettingsChanges.between(old, new)
        #expect(Set(changes.keys) == ["version", "enabled", "apiKeyRequired", "apiKeys", "rateLimits"])
        #expect(changes["apiKeyRequired"] == "false -> true")
        #expect(changes["apiKeys"] == "[] -> [web=***, unnamed=***]")
        #expect(changes.values.allSatisfy { !$0.contains("secret") })
        #expect(SettingsChanges.between(new, new).isEmpty)
    }
}
