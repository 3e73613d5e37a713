import SocketIOProtocol

/// Why a call or a connection failed: the server's error code (PROTOCOL.md §2), or one of
/// the client's own (``Code/notConnected``, ``Code/timeout``, ``Code/bufferFull``,
/// ``Code/closed``).
public struct RealtimeClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An error code. Unknown codes from a newer server pass through unchanged.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        // Event errors (PROTOCOL.md §2).
        public static let rateLimitExceeded = Code(rawValue: "rate_limit_exceeded")
        public static let invalidPayload = Code(rawValue: "invalid_payload")
        public static let invalidChannel = Code(rawValue: "invalid_channel")
        public static let payloadTooLarge = Code(rawValue: "payload_too_large")
        public static let notAllowed = Code(rawValue: "not_allowed")
        public static let internalServerError = Code(rawValue: "internal_server_error")
        // Handshake refusals (PROTOCOL.md §2).
        public static let realtimeNotAllowed = Code(rawValue: "realtime_not_allowed")
        public static let missingAPIKey = Code(rawValue: "missing_api_key")
        public static let invalidAPIKey = Code(rawValue: "invalid_api_key")
        public static let expiredAPIKey = Code(rawValue: "expired_api_key")
        public static let missingSessionToken = Code(rawValue: "missing_session_token")
        public static let invalidSessionToken = Code(rawValue: "invalid_session_token")
        // The client's own.
        /// No connection, and the call could not wait for one.
        public static let notConnected = Code(rawValue: "not_connected")
        /// The server did not acknowledge in time (the call may still have taken effect).
        public static let timeout = Code(rawValue: "timeout")
        /// Too many calls were already waiting for a connection.
        public static let bufferFull = Code(rawValue: "buffer_full")
        /// ``RealtimeClient/close()`` was called.
        public static let closed = Code(rawValue: "closed")
        /// The connection could not be made (network, refused upgrade).
        public static let connectionFailed = Code(rawValue: "connection_failed")
        /// The server's reply did not have the expected shape.
        public static let badResponse = Code(rawValue: "bad_response")
    }

    public let code: Code
    public let message: String
    /// For `realtime:error` events: the client event that failed.
    public let event: String?

    public init(_ code: Code, _ message: String, event: String? = nil) {
        self.code = code
        self.message = message
        self.event = event
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// Reads PROTOCOL.md's `{code, message, event?}` object.
    init?(json: JSONValue?) {
        guard let code = json?["code"]?.stringValue else { return nil }
        self.init(Code(rawValue: code), json?["message"]?.stringValue ?? code, event: json?["event"]?.stringValue)
    }
}
