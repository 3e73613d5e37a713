import Foundation
import RealtimeCore
import SocketIOProtocol

/// Runs the handshake checks and reports the refusal code, or nil when accepted.
struct AuthProbe {
    let authenticator: HandshakeAuthenticator

    init(secret: String? = TestTokens.secret) async {
        authenticator = HandshakeAuthenticator(sessions: await SessionVerifier(secret: secret))
    }

    func refusal(_ auth: JSONValue?, _ settings: RealtimeSettings, now: Date = Date()) async -> RealtimeError.Code? {
        do {
            _ = try await authenticator.authenticate(auth: auth, settings: settings, clientAddress: "10.0.0.1", now: now)
            return nil
        } catch {
            return error.code
        }
    }

    func identity(_ auth: JSONValue?, _ settings: RealtimeSettings = .default, now: Date = Date()) async throws -> ClientIdentity {
        try await authenticator.authenticate(auth: auth, settings: settings, clientAddress: "10.0.0.1", now: now)
    }
}

enum AuthFixtures {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)
    static let keys = [
        APIKey(key: "live-key", name: "web"),
        APIKey(key: "old-key", name: "retired", expiresAt: now.addingTimeInterval(-1)),
        APIKey(key: "future-key", expiresAt: now.addingTimeInterval(3600)),
    ]
    static let keyRequired = RealtimeSettings(apiKeyRequired: true, apiKeys: keys)
    static let keyOptional = RealtimeSettings(apiKeyRequired: false, apiKeys: keys)
    static let sessionRequired = RealtimeSettings(sessionRequired: true)
    static let everythingRequired = RealtimeSettings(apiKeyRequired: true, sessionRequired: true, apiKeys: keys)
}
