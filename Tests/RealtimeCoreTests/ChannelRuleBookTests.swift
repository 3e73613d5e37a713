import Foundation
import RealtimeCore
import Testing

@Suite("Channel rule lookup")
struct ChannelRuleBookTests {
    let book = ChannelRuleBook([
        ChannelRule(match: "private:*", join: .session),
        ChannelRule(match: "private:vip:*", join: .token),
        ChannelRule(match: "private:lobby", join: .anyone),
        ChannelRule(match: "news", publish: .server),
    ])

    @Test(
        "the longest prefix wins",
        arguments: [
            ("private:room", "private:*"), ("private:vip:1", "private:vip:*"), ("private:", "private:*"),
        ])
    func longestPrefix(channel: String, match: String) {
        #expect(book.rule(for: channel)?.match == match)
    }

    @Test("an exact name beats the prefixes that also match it")
    func exactBeatsPrefix() {
        #expect(book.rule(for: "private:lobby")?.match == "private:lobby")
    }

    @Test("an exact rule names only itself", arguments: ["newsroom", "new", "News", "news:1"])
    func exactIsNotAPrefix(channel: String) {
        #expect(book.rule(for: channel) == nil)
    }

    @Test("unmatched channels have no rule (they stay open)")
    func unmatched() {
        #expect(book.rule(for: "lobby") == nil)
        #expect(ChannelRuleBook([]).isEmpty)
    }

    @Test("a match is a name, never a pattern: a literal * in a channel name only matches as a prefix ending")
    func starIsLiteral() {
        let book = ChannelRuleBook([ChannelRule(match: "a*", join: .token)])
        #expect(book.rule(for: "a*") != nil)  // "a" prefix matches "a*" too
        #expect(book.rule(for: "b*") == nil)
    }
}

@Suite("Channel rule validation")
struct ChannelRuleValidationTests {
    func failingField(_ settings: RealtimeSettings) -> String? {
        do {
            try settings.validate()
            return nil
        } catch {
            return error.field
        }
    }

    @Test("valid rules pass")
    func valid() {
        let settings = RealtimeSettings(
            channelRules: [
                ChannelRule(match: "private:*", join: .webhook, publish: .members),
                ChannelRule(match: "feed", publish: .server, presence: false, history: HistoryPolicy(size: 100, ttlSeconds: 60)),
            ],
            authWebhook: AuthWebhook(url: "https://app.example/realtime-auth", secret: "s3cret"))
        #expect(failingField(settings) == nil)
    }

    @Test(
        "refused rules name their field",
        arguments: [
            (RealtimeSettings(channelRules: [ChannelRule(match: "")]), "channelRules[0].match"),
            (RealtimeSettings(channelRules: [ChannelRule(match: "a*b")]), "channelRules[0].match"),
            (RealtimeSettings(channelRules: [ChannelRule(match: "**")]), "channelRules[0].match"),
            (RealtimeSettings(channelRules: [ChannelRule(match: "a\u{7}")]), "channelRules[0].match"),
            (RealtimeSettings(channelRules: [ChannelRule(match: "x"), ChannelRule(match: "x")]), "channelRules[1].match"),
            (RealtimeSettings(channelRules: [ChannelRule(match: "x", join: .webhook)]), "channelRules[0].join"),
            (
                RealtimeSettings(channelRules: [ChannelRule(match: "x", history: HistoryPolicy(size: 0, ttlSeconds: 5))]),
                "channelRules[0].history.size"
            ),
            (
                RealtimeSettings(channelRules: [ChannelRule(match: "x", history: HistoryPolicy(size: 5, ttlSeconds: 0))]),
                "channelRules[0].history.ttlSeconds"
            ),
            (RealtimeSettings(authWebhook: AuthWebhook(url: "ftp://x", secret: "s")), "authWebhook.url"),
            (RealtimeSettings(authWebhook: AuthWebhook(url: "https://x", secret: "")), "authWebhook.secret"),
            (RealtimeSettings(authWebhook: AuthWebhook(url: "https://x", secret: "s", timeoutMs: 50)), "authWebhook.timeoutMs"),
            (RealtimeSettings(authWebhook: AuthWebhook(url: "https://x", secret: "s", cacheSeconds: 7200)), "authWebhook.cacheSeconds"),
        ])
    func refused(settings: RealtimeSettings, field: String) {
        #expect(failingField(settings) == field)
    }

    @Test(
        "unknown keys are refused at every level, naming the key",
        arguments: [
            (#"{"channelRulez": []}"#, "channelRulez"),
            (#"{"channelRules": [{"match": "x", "joins": "token"}]}"#, "channelRules[0].joins"),
            (#"{"channelRules": [{"match": "x", "history": {"size": 1, "ttlSeconds": 1, "ttl": 2}}]}"#, "channelRules[0].history.ttl"),
            (#"{"authWebhook": {"url": "https://x", "secret": "s", "timeout": 5}}"#, "authWebhook.timeout"),
            (#"{"rateLimits": [{"name": "a", "rate": 1, "duration": 1, "errorMessage": "m", "burst": 3}]}"#, "rateLimits[0].burst"),
        ])
    func unknownKeys(json: String, field: String) {
        #expect(throws: SettingsValidationError.self) { try SettingsCoding.decodeValidated(Data(json.utf8)) }
        do {
            _ = try SettingsCoding.decodeValidated(Data(json.utf8))
        } catch {
            #expect(error.field == field)
        }
    }

    @Test("a bad policy names the allowed values")
    func badPolicy() {
        do {
            _ = try SettingsCoding.decodeValidated(Data(#"{"channelRules": [{"match": "x", "publish": "everyone"}]}"#.utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.field == "channelRules[0].publish")
            #expect(error.message.contains(#""members""#))
        }
    }

    @Test("rules round-trip through the settings JSON with their defaults")
    func roundTrip() throws {
        let decoded = try SettingsCoding.decodeValidated(
            Data(#"{"channelRules": [{"match": "private:*", "join": "token"}], "version": 3}"#.utf8))
        #expect(decoded.channelRules == [ChannelRule(match: "private:*", join: .token, publish: .anyone, presence: true)])
        #expect(try SettingsCoding.decode(SettingsCoding.encode(decoded)) == decoded)
    }
}
