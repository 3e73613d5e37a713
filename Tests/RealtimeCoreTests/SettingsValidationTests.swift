import Foundation
import RealtimeCore
import Testing

@Suite("Settings validation")
struct SettingsValidationTests {
    static func limit(_ name: String = "l", rate: Int = 10, duration: Int = 60) -> RateLimit {
        RateLimit(name: name, rate: rate, duration: duration, errorMessage: "too many")
    }

    /// The field the validation error names, or nil when the settings are valid.
    static func failingField(_ settings: RealtimeSettings) -> String? {
        do {
            try settings.validate()
            return nil
        } catch {
            return error.field
        }
    }

    @Test("the defaults and a full valid document pass")
    func validSettings() throws {
        try RealtimeSettings.default.validate()
        let settings = RealtimeSettings(
            apiKeys: [APIKey(key: String(repeating: "k", count: 512)), APIKey(key: "other")],
            rateLimits: [Self.limit(String(repeating: "n", count: 128), rate: 1, duration: 1), Self.limit("b", duration: 86_400)])
        try settings.validate()
    }

    @Test("an empty API key is refused")
    func emptyKey() {
        #expect(Self.failingField(RealtimeSettings(apiKeys: [APIKey(key: "ok"), APIKey(key: "")])) == "apiKeys[1].key")
    }

    @Test("an API key over 512 bytes is refused")
    func longKey() {
        #expect(Self.failingField(RealtimeSettings(apiKeys: [APIKey(key: String(repeating: "k", count: 513))])) == "apiKeys[0].key")
        // 171 three-byte characters: 513 bytes although only 171 characters.
        #expect(Self.failingField(RealtimeSettings(apiKeys: [APIKey(key: String(repeating: "€", count: 171))])) == "apiKeys[0].key")
    }

    @Test("duplicate API keys are refused at the second occurrence")
    func duplicateKey() {
        let settings = RealtimeSettings(apiKeys: [APIKey(key: "a"), APIKey(key: "b"), APIKey(key: "a", name: "again")])
        #expect(Self.failingField(settings) == "apiKeys[2].key")
    }

    @Test("a rate limit name must be 1 to 128 bytes")
    func limitName() {
        #expect(Self.failingField(RealtimeSettings(rateLimits: [Self.limit("")])) == "rateLimits[0].name")
        #expect(
            Self.failingField(RealtimeSettings(rateLimits: [Self.limit("a"), Self.limit(String(repeating: "n", count: 129))]))
                == "rateLimits[1].name")
    }

    @Test("duplicate rate limit names are refused")
    func duplicateLimitName() {
        #expect(Self.failingField(RealtimeSettings(rateLimits: [Self.limit("x"), Self.limit("x")])) == "rateLimits[1].name")
    }

    @Test("rate must be at least 1", arguments: [0, -1, Int.min])
    func rate(value: Int) {
        #expect(Self.failingField(RealtimeSettings(rateLimits: [Self.limit(rate: value)])) == "rateLimits[0].rate")
    }

    @Test("duration must be 1 to 86400 seconds", arguments: [0, -5, 86_401])
    func duration(value: Int) {
        #expect(Self.failingField(RealtimeSettings(rateLimits: [Self.limit(duration: value)])) == "rateLimits[0].duration")
    }

    @Test("at most 16 rate limits")
    func limitCount() {
        let sixteen = (0..<16).map { Self.limit("l\($0)") }
        #expect(Self.failingField(RealtimeSettings(rateLimits: sixteen)) == nil)
        let seventeen = (0..<17).map { Self.limit("l\($0)") }
        #expect(Self.failingField(RealtimeSettings(rateLimits: seventeen)) == "rateLimits")
    }

    @Test("decodeValidated reports validation failures with the field path in the description")
    func decodeValidatedRunsValidation() {
        let json = #"{"rateLimits": [{"name": "a", "rate": 0, "duration": 1, "errorMessage": "m"}]}"#
        do {
            _ = try SettingsCoding.decodeValidated(Data(json.utf8))
            Issue.record("invalid settings were accepted")
        } catch {
            #expect(error.field == "rateLimits[0].rate")
            #expect(error.description.hasPrefix("rateLimits[0].rate: "))
        }
    }
}
