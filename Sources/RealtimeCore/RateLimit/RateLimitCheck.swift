/// The limits one client event is counted against, and whose events they are.
public struct RateLimitCheck: Sendable {
    public var limits: [RateLimit]
    /// `u:<userId>` with a session, else `ip:<address>`.
    public var subject: String

    public init(limits: [RateLimit], subject: String) {
        self.limits = limits
        self.subject = subject
    }
}

/// Thrown by broker calls whose rate-limit check failed; nothing else was done.
public struct RateLimitExceeded: Error, Sendable {
    public var limit: RateLimit
    public init(_ limit: RateLimit) {
        self.limit = limit
    }
}

/// The PROTOCOL.md's rejection: the first limit exceeded, with its configured message.
extension RealtimeError {
    public static func rateLimited(_ limit: RateLimit) -> RealtimeError {
        RealtimeError(.rateLimitExceeded, limit.errorMessage.isEmpty ? "rate limit \(limit.name) exceeded" : limit.errorMessage)
    }
}
