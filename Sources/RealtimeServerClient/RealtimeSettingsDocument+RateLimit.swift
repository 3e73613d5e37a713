extension RealtimeSettingsDocument {
    /// A window of `rate` client events per `duration` seconds, per user (or per IP
    /// without a session), counted across every edge.
    public struct RateLimit: Sendable, Hashable, Codable {
        /// A unique name, 1 to 128 bytes.
        public var name: String
        /// Events allowed per window; at least 1.
        public var rate: Int
        /// Window length in seconds, 1 to 86400.
        public var duration: Int
        /// The message clients get with `rate_limit_exceeded`.
        public var errorMessage: String

        public init(name: String, rate: Int, duration: Int, errorMessage: String) {
            self.name = name
            self.rate = rate
            self.duration = duration
            self.errorMessage = errorMessage
        }
    }
}
