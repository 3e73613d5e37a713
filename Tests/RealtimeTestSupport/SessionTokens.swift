import Foundation
import JWTKit

/// HS256 session tokens, signed the way an application backend would.
public enum SessionTokens {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var name: String?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    public static func sign(sub: String, secret: String, expiresIn seconds: TimeInterval = 3600, name: String? = nil) async throws -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(
            Claims(
                sub: SubjectClaim(value: sub), exp: ExpirationClaim(value: Date().addingTimeInterval(seconds)), name: name))
    }
}
