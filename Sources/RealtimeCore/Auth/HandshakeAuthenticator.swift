import Foundation
import SocketIOProtocol

/// The handshake checks of PROTOCOL.md §2, in order: realtime enabled, API key (when
/// required; a wrong or expired key is refused even when not required), session
/// (when required; a valid session is always honoured when present).
public struct HandshakeAuthenticator: Sendable {
    public let sessions: SessionVerifier

    public init(sessions: SessionVerifier) {
        self.sessions = sessions
    }

    public func authenticate(
        auth: JSONValue?,
        settings: RealtimeSettings,
        clientAddress: String,
        now: Date = Date()
    ) async throws(RealtimeError) -> ClientIdentity {
        guard settings.enabled else {
            throw RealtimeError(.realtimeNotAllowed, "realtime is disabled for this application")
        }
        if let auth, auth.objectValue == nil, !auth.isNull {
            throw RealtimeError(.invalidAPIKey, "auth must be an object {apiKey?, session?, echoMessages?}")
        }
        var identity = ClientIdentity(clientAddress: clientAddress)
        if let echo = auth?["echoMessages"]?.boolValue { identity.echoMessages = echo }

        let presentedKey = auth?["apiKey"]?.stringValue
        if let presentedKey, !presentedKey.isEmpty {
            guard let match = settings.apiKeys.first(where: { constantTimeEquals($0.key, presentedKey) }) else {
                throw RealtimeError(.invalidAPIKey, "the API key is not valid for this application")
            }
            if let expiry = match.expiresAt, expiry <= now {
                throw RealtimeError(.expiredAPIKey, "the API key expired at \(ISO8601DateFormatter().string(from: expiry))")
            }
            identity.apiKeyName = match.name ?? "unnamed"
        } else if settings.apiKeyRequired {
            throw RealtimeError(.missingAPIKey, "an API key is required: pass auth.apiKey")
        }

        let token = auth?["session"]?.stringValue
        if let token, !token.isEmpty {
            let session = try await sessions.verify(token)
            identity.userId = session.userId
            identity.session = session.claims
        } else if settings.sessionRequired {
            throw RealtimeError(.missingSessionToken, "a session is required: pass auth.session")
        }
        return identity
    }
}

/// Compares secrets without an early exit, so timing does not reveal how much matched.
public func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8)
    let y = Array(b.utf8)
    // Lengths are compared as a whole (not truncated to a byte), then every byte is visited.
    var diff: UInt8 = x.count == y.count ? 0 : 1
    let n = max(x.count, y.count)
    for i in 0..<n {
        let l = i < x.count ? x[i] : 0
        let r = i < y.count ? y[i] : 0
        diff |= l ^ r
    }
    return diff == 0
}
