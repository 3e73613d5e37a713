import SocketIOProtocol

/// Who a connection is, once its handshake passed.
public struct ClientIdentity: Sendable, Equatable {
    /// The session's `sub`, when a valid session was presented.
    public var userId: String?
    /// The session's claims, token-free, as delivered with user events.
    public var session: JSONValue?
    /// Name of the API key used, if any (never the key itself: keys stay out of logs and stats).
    public var apiKeyName: String?
    /// The client address used as the rate-limit key when there is no session.
    public var clientAddress: String
    public var echoMessages: Bool

    public init(
        userId: String? = nil, session: JSONValue? = nil, apiKeyName: String? = nil, clientAddress: String, echoMessages: Bool = true
    ) {
        self.userId = userId
        self.session = session
        self.apiKeyName = apiKeyName
        self.clientAddress = clientAddress
        self.echoMessages = echoMessages
    }

    /// Rate limits count per user when there is a session, else per client address.
    public var rateLimitSubject: String { userId.map { "u:" + $0 } ?? "ip:" + clientAddress }
}
