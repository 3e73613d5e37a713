/// Why Redis could not be used at all, worded for the operator who started the
/// process. Only host and port are named: never the URL, never the password.
public enum RedisConnectError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No TCP connection (refused, unresolvable, timed out).
    case unreachable(endpoint: String, cause: String)
    /// AUTH refused: a wrong password, an unknown or disabled ACL user (WRONGPASS),
    /// or a password required but not given (NOAUTH).
    case authenticationFailed(endpoint: String, reply: String)
    /// Connected and authenticated, but a command the process needs was refused
    /// (SELECT of a missing database, an ACL rule: NOPERM).
    case refused(endpoint: String, reply: String)
    /// The TLS handshake failed (unknown CA, wrong host name, plain-text server).
    case tls(endpoint: String, cause: String)

    public var description: String {
        switch self {
        case .unreachable(let endpoint, let cause):
            return "cannot reach Redis at \(endpoint): \(cause)"
        case .authenticationFailed(let endpoint, let reply):
            return "Redis at \(endpoint) refused the password: \(reply)"
        case .refused(let endpoint, let reply):
            return "Redis at \(endpoint) refused a command: \(reply)"
        case .tls(let endpoint, let cause):
            return "TLS handshake with Redis at \(endpoint) failed: \(cause)"
        }
    }

    /// Classifies an error reply to the connection handshake.
    static func handshakeReply(_ reply: String, endpoint: String) -> RedisConnectError {
        let code = reply.prefix { $0 != " " }
        if code == "WRONGPASS" || code == "NOAUTH" || reply.hasPrefix("ERR AUTH") || reply.hasPrefix("ERR invalid password") {
            return .authenticationFailed(endpoint: endpoint, reply: reply)
        }
        return .refused(endpoint: endpoint, reply: reply)
    }
}
