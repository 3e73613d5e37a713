import Foundation
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Handshake authenticator: enabled flag and API keys")
struct HandshakeAuthenticatorTests {
    typealias F = AuthFixtures

    @Test("the defaults accept an anonymous client with echo on")
    func anonymousDefault() async throws {
        let probe = await AuthProbe()
        for auth: JSONValue? in [nil, .null, [:]] {
            let identity = try await probe.identity(auth)
            #expect(identity.userId == nil)
            #expect(identity.session == nil)
            #expect(identity.apiKeyName == nil)
            #expect(identity.echoMessages)
            #expect(identity.clientAddress == "10.0.0.1")
            #expect(identity.rateLimitSubject == "ip:10.0.0.1")
        }
    }

    @Test("echoMessages false is taken from the auth object")
    func echoMessages() async throws {
        let probe = await AuthProbe()
        #expect(try await probe.identity(["echoMessages": false]).echoMessages == false)
        #expect(try await probe.identity(["echoMessages": true]).echoMessages == true)
    }

    @Test("disabled realtime is refused first, whatever the credentials")
    func disabled() async throws {
        let probe = await AuthProbe()
        var settings = F.everythingRequired
        settings.enabled = false
        let token = try await TestTokens.sign()
        #expect(await probe.refusal(nil, settings, now: F.now) == .realtimeNotAllowed)
        #expect(await probe.refusal(["apiKey": "live-key", "session": .string(token)], settings, now: F.now) == .realtimeNotAllowed)
        #expect(await probe.refusal(["apiKey": "wrong"], settings, now: F.now) == .realtimeNotAllowed)
    }

    @Test("a required API key that is absent or empty is missing_api_key")
    func missingKey() async {
        let probe = await AuthProbe()
        for auth: JSONValue? in [nil, [:], ["apiKey": ""], ["apiKey": .null], ["session": "x"]] {
            #expect(await probe.refusal(auth, F.keyRequired, now: F.now) == .missingAPIKey, "auth: \(String(describing: auth))")
        }
    }

    @Test("an unknown API key is invalid_api_key")
    func invalidKey() async {
        let probe = await AuthProbe()
        #expect(await probe.refusal(["apiKey": "nope"], F.keyRequired, now: F.now) == .invalidAPIKey)
        #expect(await probe.refusal(["apiKey": "live-key "], F.keyRequired, now: F.now) == .invalidAPIKey)
        #expect(await probe.refusal(["apiKey": "LIVE-KEY"], F.keyRequired, now: F.now) == .invalidAPIKey)
    }

    @Test("a wrong key is refused even when keys are not required")
    func wrongKeyWhenOptional() async {
        let probe = await AuthProbe()
        #expect(await probe.refusal(["apiKey": "nope"], F.keyOptional, now: F.now) == .invalidAPIKey)
        #expect(await probe.refusal(["apiKey": "nope"], .default, now: F.now) == .invalidAPIKey)
        #expect(await probe.refusal(["apiKey": "old-key"], F.keyOptional, now: F.now) == .expiredAPIKey)
        #expect(await probe.refusal([:], F.keyOptional, now: F.now) == nil)
    }

    @Test("an expired key is expired_api_key; expiry is inclusive of the instant itself")
    func expiredKey() async {
        let probe = await AuthProbe()
        #expect(await probe.refusal(["apiKey": "old-key"], F.keyRequired, now: F.now) == .expiredAPIKey)
        let atExpiry = F.now.addingTimeInterval(3600)
        #expect(await probe.refusal(["apiKey": "future-key"], F.keyRequired, now: atExpiry) == .expiredAPIKey)
        #expect(await probe.refusal(["apiKey": "future-key"], F.keyRequired, now: atExpiry.addingTimeInterval(-1)) == nil)
    }

    @Test("a valid key is accepted and its name (never the key) is kept")
    func validKey() async throws {
        let probe = await AuthProbe()
        let identity = try await probe.identity(["apiKey": "live-key"], F.keyRequired, now: F.now)
        #expect(identity.apiKeyName == "web")
        let unnamed = try await probe.identity(["apiKey": "future-key"], F.keyRequired, now: F.now)
        #expect(unnamed.apiKeyName != nil)
        #expect(unnamed.apiKeyName != "future-key")
    }

    @Test("the API key is checked before the session")
    func keyBeforeSession() async throws {
        let probe = await AuthProbe()
        let expired = try await TestTokens.sign(expiresIn: -60)
        #expect(await probe.refusal(nil, F.everythingRequired, now: F.now) == .missingAPIKey)
        #expect(await probe.refusal(["session": .string(expired)], F.everythingRequired, now: F.now) == .missingAPIKey)
        #expect(await probe.refusal(["apiKey": "bad", "session": .string(expired)], F.everythingRequired, now: F.now) == .invalidAPIKey)
        #expect(await probe.refusal(["apiKey": "live-key"], F.everythingRequired, now: F.now) == .missingSessionToken)
        #expect(
            await probe.refusal(["apiKey": "live-key", "session": .string(expired)], F.everythingRequired, now: F.now)
                == .invalidSessionToken)
    }

    @Test("an auth value that is not an object is refused")
    func nonObjectAuth() async {
        let probe = await AuthProbe()
        for auth: JSONValue in ["key", 42, [1, 2], true] {
            #expect(await probe.refusal(auth, .default) != nil, "auth: \(auth)")
        }
    }
}
