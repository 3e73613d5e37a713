/// An error reported to a client or API caller with one of PROTOCOL.md's codes.
public struct RealtimeError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Codable {
        // Handshake (CONNECT_ERROR)
        case realtimeNotAllowed = "realtime_not_allowed"
        case missingAPIKey = "missing_api_key"
        case invalidAPIKey = "invalid_api_key"
        case expiredAPIKey = "expired_api_key"
        case missingSessionToken = "missing_session_token"
        case invalidSessionToken = "invalid_session_token"
        // Events
        case rateLimitExceeded = "rate_limit_exceeded"
        case invalidPayload = "invalid_payload"
        case invalidChannel = "invalid_channel"
        case payloadTooLarge = "payload_too_large"
        case notAllowed = "not_allowed"
        case invalidChannelToken = "invalid_channel_token"
        case internalServerError = "internal_server_error"
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The short title used as CONNECT_ERROR's `message`.
    public var title: String {
        switch code {
        case .realtimeNotAllowed: "Realtime is not enabled"
        case .missingAPIKey: "Missing API key"
        case .invalidAPIKey: "Invalid API key"
        case .expiredAPIKey: "Expired API key"
        case .missingSessionToken: "Missing session token"
        case .invalidSessionToken: "Invalid session token"
        case .internalServerError: "Internal server error"
        default: "Error"
        }
    }
}
