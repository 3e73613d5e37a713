import Crypto
import Foundation

/// Signs session tokens as an application backend would: an HS256 JWT with the
/// edge's shared secret, `sub` the user id.
enum SessionToken {
    static func make(userId: String, sessionId: String, secret: String = EdgeUnderTest.jwtSecret) -> String {
        let header = base64URL(Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let exp = Int(Date().timeIntervalSince1970) + 3600
        let claims = #"{"sub":"\#(userId)","sid":"\#(sessionId)","exp":\#(exp)}"#
        let signingInput = header + "." + base64URL(Data(claims.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return signingInput + "." + base64URL(Data(mac))
    }

    private static func base64URL(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
