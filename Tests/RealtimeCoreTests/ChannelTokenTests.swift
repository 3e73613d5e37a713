import Foundation
import JWTKit
import RealtimeCore
import Testing

@Suite("Channel tokens")
struct ChannelTokenTests {
    struct Claims: JWTPayload {
        var channel: String?
        var exp: ExpirationClaim
        var sub: SubjectClaim?
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    static func sign(channel: String?, sub: String? = nil, expiresIn: TimeInterval = 600, secret: String = TestTokens.secret) async throws
        -> String
    {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        return try await keys.sign(
            Claims(
                channel: channel, exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)), sub: sub.map(SubjectClaim.init(value:))
            ))
    }

    func refusal(_ token: String?, channel: String = "private:1", userId: String? = nil) async -> String? {
        let verifier = await SessionVerifier(secret: TestTokens.secret)
        do {
            try await verifier.verifyChannelToken(token, channel: channel, userId: userId)
            return nil
        } catch {
            #expect(error.code == .invalidChannelToken)
            return error.message
        }
    }

    @Test("a token for the channel opens it; with a session, only for its user")
    func valid() async throws {
        #expect(await refusal(try await Self.sign(channel: "private:1")) == nil)
        #expect(await refusal(try await Self.sign(channel: "private:1", sub: "u1"), userId: "u1") == nil)
        #expect(await refusal(try await Self.sign(channel: "private:1", sub: "u1")) == nil)  // no session: sub not compared
    }

    @Test("missing, malformed, expired, wrongly signed, other-channel and other-user tokens are refused")
    func refused() async throws {
        #expect(await refusal(nil)?.contains("needs a channel token") == true)
        #expect(await refusal("not.a.jwt")?.contains("not a valid") == true)
        #expect(await refusal(try await Self.sign(channel: "private:1", expiresIn: -60))?.contains("expired") == true)
        let otherKey = try await Self.sign(channel: "private:1", secret: "another-secret-0123456789-abcdefghijkl")
        #expect(await refusal(otherKey)?.contains("not a valid") == true)
        #expect(await refusal(try await Self.sign(channel: "private:2"))?.contains("another channel") == true)
        #expect(await refusal(try await Self.sign(channel: "private:1", sub: "u2"), userId: "u1")?.contains("another user") == true)
        #expect(await refusal(try await Self.sign(channel: "private:1"), userId: "u1")?.contains("another user") == true)
        #expect(await refusal(try await Self.sign(channel: nil))?.contains("not a valid") == true)
    }

    @Test("a token for private:* opens only the channel literally named so")
    func nameNotPattern() async throws {
        let token = try await Self.sign(channel: "private:*")
        #expect(await refusal(token, channel: "private:abc") != nil)
        #expect(await refusal(token, channel: "private:*") == nil)
    }
}
