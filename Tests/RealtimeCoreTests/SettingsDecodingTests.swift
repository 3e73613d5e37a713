import Foundation
import RealtimeCore
import Testing

@Suite("Settings decoding")
struct SettingsDecodingTests {
    @Test("an empty object decodes to the embedded defaults")
    func emptyObjectIsDefault() throws {
        let settings = try SettingsCoding.decode(Data("{}".utf8))
        #expect(settings == RealtimeSettings.default)
        #expect(settings.enabled)
        #expect(!settings.apiKeyRequired)
        #expect(!settings.sessionRequired)
        #expect(settings.apiKeys.isEmpty)
        #expect(settings.rateLimits.isEmpty)
    }

    @Test("a partial object keeps the given fields and fills the rest with defaults")
    func partialObject() throws {
        let settings = try SettingsCoding.decode(Data(#"{"apiKeyRequired": true, "apiKeys": [{"key": "k1"}]}"#.utf8))
        #expect(settings.enabled)
        #expect(settings.apiKeyRequired)
        #expect(!settings.sessionRequired)
        #expect(settings.apiKeys == [APIKey(key: "k1")])
        #expect(settings.rateLimits.isEmpty)
    }

    @Test("enabled false is kept")
    func disabled() throws {
        let settings = try SettingsCoding.decode(Data(#"{"enabled": false}"#.utf8))
        #expect(!settings.enabled)
    }

    @Test("expiresAt is an ISO 8601 instant")
    func expiresAtISO8601() throws {
        let json = #"{"apiKeys": [{"key": "k", "name": "mobile", "expiresAt": "2030-01-02T03:04:05Z"}]}"#
        let settings = try SettingsCoding.decode(Data(json.utf8))
        let key = try #require(settings.apiKeys.first)
        #expect(key.name == "mobile")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let expected = calendar.date(from: DateComponents(year: 2030, month: 1, day: 2, hour: 3, minute: 4, second: 5))
        #expect(key.expiresAt == expected)
    }

    @Test("a non-ISO expiresAt is refused with its field path")
    func badExpiresAt() {
        let json = #"{"apiKeys": [{"key": "k", "expiresAt": "tomorrow"}]}"#
        #expect {
            _ = try SettingsCoding.decodeValidated(Data(json.utf8))
        } throws: { error in
            (error as? SettingsValidationError)?.field == "apiKeys[0].expiresAt"
        }
    }

    @Test("rate limits decode in order")
    func rateLimits() throws {
        let json =
            #"{"rateLimits": [{"name": "a", "rate": 5, "duration": 1, "errorMessage": "slow down"}, {"name": "b", "rate": 100, "duration": 60, "errorMessage": "m"}]}"#
        let settings = try SettingsCoding.decode(Data(json.utf8))
        #expect(
            settings.rateLimits == [
                RateLimit(name: "a", rate: 5, duration: 1, errorMessage: "slow down"),
                RateLimit(name: "b", rate: 100, duration: 60, errorMessage: "m"),
            ])
    }

    @Test("encode then decode gives the same settings, dates included")
    func roundTrip() throws {
        let original = RealtimeSettings(
            enabled: false, apiKeyRequired: true, sessionRequired: true,
            apiKeys: [APIKey(key: "k", name: "n", expiresAt: Date(timeIntervalSince1970: 1_900_000_000))],
            rateLimits: [RateLimit(name: "r", rate: 3, duration: 10, errorMessage: "e")])
        let decoded = try SettingsCoding.decode(SettingsCoding.encode(original))
        #expect(decoded == original)
        let text = String(decoding: SettingsCoding.encode(original), as: UTF8.self)
        #expect(text.contains(#""expiresAt":"2030-03-17T17:46:40Z""#))
    }

    @Test("a wrongly typed field is refused with its path")
    func typeMismatch() {
        #expect {
            _ = try SettingsCoding.decodeValidated(Data(#"{"enabled": "yes"}"#.utf8))
        } throws: { error in
            (error as? SettingsValidationError)?.field == "enabled"
        }
        #expect {
            _ = try SettingsCoding.decodeValidated(
                Data(#"{"rateLimits": [{"name": "a", "rate": "5", "duration": 1, "errorMessage": "m"}]}"#.utf8))
        } throws: { error in
            (error as? SettingsValidationError)?.field == "rateLimits[0].rate"
        }
    }

    @Test("a missing required field of an API key is named")
    func missingKey() {
        #expect {
            _ = try SettingsCoding.decodeValidated(Data(#"{"apiKeys": [{"name": "x"}]}"#.utf8))
        } throws: { error in
            (error as? SettingsValidationError)?.field == "apiKeys[0].key"
        }
    }

    @Test("a body that is not an object is refused", arguments: ["[]", "42", "not json", ""])
    func notAnObject(body: String) {
        #expect(throws: SettingsValidationError.self) {
            _ = try SettingsCoding.decodeValidated(Data(body.utf8))
        }
    }
}
