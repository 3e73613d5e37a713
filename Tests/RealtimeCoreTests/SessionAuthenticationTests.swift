import Foundation
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Handshake authenticator: sessions (JWT HS256)")
struct SessionAuthenticationTests {
    typealias F = AuthFixtures

    @Test("a required session that is absent or empty is missing_session_token")
    func missingSession() async {
        let probe = await AuthProbe()
        for auth: JSONValue? in [nil, [:], ["session": ""], ["session": .null]] {
            #expect(await probe.refusal(auth, F.sessionRequired) == .missingSessionToken, "auth: \(String(describing: auth))")
        }
    }

    @Test("a valid session gives userId = sub and the claims, without the token")
    func validSession() async throws {
        let probe = await AuthProbe()
        let token = try await TestTokens.sign(sub: "user-42", name: "Grace")
        let identity = try await probe.identity(["session": .string(token)], F.sessionRequired)
        #expect(identity.userId == "user-42")
        #expect(identity.session?["sub"]?.stringValue == "user-42")
        #expect(identity.session?["name"]?.stringValue == "Grace")
        #expect(identity.session?["exp"]?.doubleValue != nil)
        #expect(identity.rateLimitSubject == "u:user-42")
        #expect(!(identity.session?.jsonString.contains(token) ?? false))
    }

    @Test("a valid session is honoured when sessions are not required")
    func optionalSession() async throws {
        let probe = await AuthProbe()
        let token = try await TestTokens.sign(sub: "u7")
        #expect(try await probe.identity(["session": .string(token)], .default).userId == "u7")
    }

    @Test("a token signed with another secret is invalid_session_token")
    func badSignature() async throws {
        let probe = await AuthProbe()
        let forged = try await TestTokens.sign(secret: "some-other-secret-that-is-long-enough-xyz")
        #expect(await probe.refusal(["session": .string(forged)], F.sessionRequired) == .invalidSessionToken)
        #expect(await probe.refusal(["session": .string(forged)], .default) == .invalidSessionToken)
    }

    @Test("a token whose payload was altered is invalid_session_token")
    func tamperedPayload() async throws {
        let probe = await AuthProbe()
        let token = try await TestTokens.sign(sub: "user-1")
        let parts = token.split(separator: ".").map(String.init)
        let otherPayload = TestTokens.base64URL(#"{"sub":"admin","exp":4102444800}"#)
        let tampered = [parts[0], otherPayload, parts[2]].joined(separator: ".")
        #expect(await probe.refusal(["session": .string(tampered)], F.sessionRequired) == .invalidSessionToken)
    }

    @Test(
        "malformed tokens are invalid_session_token",
        arguments: [
            "not-a-jwt", "a.b", "a.b.c", "...", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0", "eyJ.eyJ.sig",
        ])
    func malformed(token: String) async {
        let probe = await AuthProbe()
        #expect(await probe.refusal(["session": .string(token)], F.sessionRequired) == .invalidSessionToken)
    }

    @Test("an unsigned alg:none token is invalid_session_token")
    func algNone() async {
        let probe = await AuthProbe()
        let token =
            TestTokens.base64URL(#"{"alg":"none","typ":"JWT"}"#) + "." + TestTokens.base64URL(#"{"sub":"admin","exp":4102444800}"#) + "."
        #expect(await probe.refusal(["session": .string(token)], F.sessionRequired) == .invalidSessionToken)
    }

    @Test("an expired token is invalid_session_token")
    func expired() async throws {
        let probe = await AuthProbe()
        let token = try await TestTokens.sign(expiresIn: -60)
        #expect(await probe.refusal(["session": .string(token)], F.sessionRequired) == .invalidSessionToken)
        #expect(await probe.refusal(["session": .string(token)], .default) == .invalidSessionToken)
    }

    @Test("a session that is not a string is refused, not ignored, when sessions are required")
    func nonStringSession() async {
        let probe = await AuthProbe()
        #expect(await probe.refusal(["session": 42], F.sessionRequired) != nil)
    }

    @Test("without a JWT secret every session is invalid")
    func noSecret() async throws {
        let probe = await AuthProbe(secret: nil)
        let token = try await TestTokens.sign()
        #expect(await probe.refusal(["session": .string(token)], F.sessionRequired) == .invalidSessionToken)
        let verifier = await SessionVerifier(secret: "")
        await #expect(throws: RealtimeError.self) { _ = try await verifier.verify(token) }
    }

    @Test("SessionVerifier returns sub and every claim")
    func verifierDirectly() async throws {
        let verifier = await SessionVerifier(secret: TestTokens.secret)
        let token = try await TestTokens.sign(sub: "s-1", name: "Lin")
        let session = try await verifier.verify(token)
        #expect(session.userId == "s-1")
        #expect(session.claims["name"] == "Lin")
    }
}
