import Foundation
import JWTKit
import SocketIOProtocol

/// Verifies session tokens: JWT HS256 with a shared secret; `sub` is the user id, `exp` is checked.
public struct SessionVerifier: Sendable {
    let keys: JWTKeyCollection?

    /// HS256 keys shorter than this are refused (jwt-kit requires it; so does RFC 7518 §3.2).
    public static let minimumSecretBytes = 32

    /// Without a usable secret every token is refused as invalid (sessions cannot be
    /// trusted); the edge command refuses to start with a short one.
    public init(secret: String?) async {
        guard let secret, secret.utf8.count >= Self.minimumSecretBytes else {
            keys = nil
            return
        }
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
    }

    public struct Session: Sendable, Equatable {
        public var userId: String
        /// Every claim of the token; the token itself is never kept.
        public var claims: JSONValue
    }

    public func verify(_ token: String) async throws(RealtimeError) -> Session {
        guard let keys else {
            throw RealtimeError(.invalidSessionToken, "sessions are not configured on this server (no JWT secret)")
        }
        let payload: SessionClaims
        do {
            payload = try await keys.verify(token, as: SessionClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw RealtimeError(.invalidSessionToken, "session token has expired")
        } catch {
            throw RealtimeError(.invalidSessionToken, "session token is not a valid HS256 JWT")
        }
        // Decode the claims again as free-form JSON, for user-event payloads.
        var claims: JSONValue = .object(["sub": .string(payload.sub.value)])
        let parts = token.split(separator: ".")
        if parts.count == 3, let data = Data(base64URLEncoded: String(parts[1])),
            let value = try? JSONValue.parse(Array(data))
        {
            claims = value
        }
        return Session(userId: payload.sub.value, claims: claims)
    }
}

struct SessionClaims: JWTPayload {
    var sub: SubjectClaim
    var exp: ExpirationClaim

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

extension Data {
    init?(base64URLEncoded text: String) {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        self.init(base64Encoded: s)
    }
}
