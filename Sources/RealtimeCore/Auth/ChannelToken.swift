import JWTKit

/// Channel tokens for `"token"` join rules: a JWT, HS256 with the JWT secret, whose
/// `channel` claim is the exact channel name (a name, never a pattern), with `exp`, and
/// whose `sub` must be the connection's user when the connection has a session.
extension SessionVerifier {
    public func verifyChannelToken(_ token: String?, channel: String, userId: String?) async throws(RealtimeError) {
        guard let token, !token.isEmpty else {
            throw RealtimeError(.invalidChannelToken, "joining \(channel) needs a channel token: send {channel, token}")
        }
        guard let keys else {
            throw RealtimeError(.invalidChannelToken, "channel tokens are not configured on this server (no JWT secret)")
        }
        let claims: ChannelTokenClaims
        do {
            claims = try await keys.verify(token, as: ChannelTokenClaims.self)
        } catch let error as JWTError where error.errorType == .claimVerificationFailure {
            throw RealtimeError(.invalidChannelToken, "the channel token has expired")
        } catch {
            throw RealtimeError(.invalidChannelToken, "the channel token is not a valid HS256 JWT with channel and exp claims")
        }
        guard claims.channel == channel else {
            throw RealtimeError(.invalidChannelToken, "the channel token is for another channel")
        }
        if let userId, claims.sub?.value != userId {
            throw RealtimeError(.invalidChannelToken, "the channel token is for another user")
        }
    }
}

struct ChannelTokenClaims: JWTPayload {
    var channel: String
    var exp: ExpirationClaim
    var sub: SubjectClaim?

    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}
