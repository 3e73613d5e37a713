/// Every error the client throws. Transport failures are folded into these
/// few cases so callers can decide "retry later" vs "bad request" without
/// knowing about NIO's error types.
public enum RedisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An error reply from Redis, e.g. "NOSCRIPT ..." or "WRONGTYPE ...".
    case server(String)
    /// There is no usable connection (Redis unreachable, or already closed).
    case notConnected
    /// The connection died while the command was in flight; it may or may not
    /// have been executed.
    case connectionClosed
    /// No reply within the configured command timeout.
    case timeout
    /// Redis sent bytes that are not valid RESP2, or an unexpected reply.
    case protocolError(String)
    /// `RedisConfiguration(url:)` could not parse its input.
    case invalidURL(String)
    /// The TLS setup is unusable (a CA or key file missing or unreadable).
    case tls(String)

    public var description: String {
        switch self {
        case .server(let message):
            return "Redis error reply: \(message)"
        case .notConnected:
            return "not connected to Redis"
        case .connectionClosed:
            return "Redis connection closed with the command in flight"
        case .timeout:
            return "Redis command timed out"
        case .protocolError(let message):
            return "Redis protocol error: \(message)"
        case .invalidURL(let message):
            return "invalid Redis URL: \(message)"
        case .tls(let message):
            return "Redis TLS: \(message)"
        }
    }

    /// True for a NOSCRIPT reply to EVALSHA (script not in the server cache).
    var isNoScript: Bool {
        if case .server(let message) = self {
            return message.hasPrefix("NOSCRIPT")
        }
        return false
    }
}
