/// How a ``RealtimeClient`` connects, authenticates and recovers.
public struct RealtimeClientOptions: Sendable {
    /// A client API key (`apiKey` in the handshake), when the app requires one.
    public var apiKey: String?
    /// A session token (JWT) identifying the user, when the app requires one.
    public var session: String?
    /// Whether this connection receives its own messages and presence events
    /// (the server's default is true).
    public var echoMessages: Bool?
    /// The Socket.IO path on the server: `/realtime/` (or `/socket.io/`).
    public var path: String = "/realtime/"
    /// How long a call waits for the server's acknowledgement.
    public var ackTimeout: Duration = .seconds(10)
    /// How long one connection attempt (TCP, upgrade, handshake) may take.
    public var connectTimeout: Duration = .seconds(10)
    /// Reconnection after a lost connection; nil turns it off.
    public var reconnect: ReconnectPolicy? = ReconnectPolicy()
    /// How many calls may wait for a connection while (re)connecting; 0 makes
    /// calls fail at once with ``RealtimeClientError/Code/notConnected`` instead.
    public var maxBuffered: Int = 100

    public init(apiKey: String? = nil, session: String? = nil, echoMessages: Bool? = nil) {
        self.apiKey = apiKey
        self.session = session
        self.echoMessages = echoMessages
    }
}

/// Jittered exponential backoff between reconnect attempts.
public struct ReconnectPolicy: Sendable {
    /// The delay before the first attempt (before jitter).
    public var initialDelay: Duration = .milliseconds(500)
    /// The longest delay between attempts (before jitter).
    public var maxDelay: Duration = .seconds(10)
    /// Give up after this many consecutive failed attempts; nil retries forever.
    public var maxAttempts: Int?

    public init(initialDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(10), maxAttempts: Int? = nil) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
    }

    /// The wait before attempt `attempt` (1-based): a random 50–100 % of
    /// `min(maxDelay, initialDelay · 2^(attempt-1))`, so a crowd of clients that
    /// lost the same edge does not reconnect in lockstep.
    public func delay(forAttempt attempt: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let base = min(maxDelay, initialDelay * (1 << exponent))
        return base * Double.random(in: 0.5...1.0, using: &random)
    }
}
