import Foundation
import RealtimeTestSupport

extension SessionTokens {
    /// A token signed with the test edge's secret.
    static func sign(sub: String, expiresIn seconds: TimeInterval = 3600, name: String? = nil) async throws -> String {
        try await sign(sub: sub, secret: TestEdge.jwtSecret, expiresIn: seconds, name: name)
    }
}
