import Foundation
import JWTKit

/// Signs session tokens the way an application backend would: HS256 with the shared secret.
enum TestTokens {
    static let secret = "test-jwt-secret-0123456789-abcdefghij"

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var name: String?
        var accessToken: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func sign(
        sub: String = "user-1",
        expiresIn seconds: TimeInterval = 3600,
        name: String? = "Ada",
        accessToken: String? = nil,
        secret: String = TestTokens.secret
    ) async throws -> String {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let claims = Claims(
            sub: SubjectClaim(value: sub),
            exp: ExpirationClaim(value: Date().addingTimeInterval(seconds)),
            name: name,
            accessToken: accessToken)
        return try await keys.sign(claims)
    }

    static func base64URL(_ text: String) -> String {
        Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
