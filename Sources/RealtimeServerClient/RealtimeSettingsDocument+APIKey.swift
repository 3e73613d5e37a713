import Foundation

extension RealtimeSettingsDocument {
    /// A client API key: presented as `apiKey` in the Socket.IO handshake auth.
    public struct APIKey: Sendable, Hashable, Codable {
        /// The key itself, 1 to 512 bytes.
        public var key: String
        /// A label for people; not checked.
        public var name: String?
        /// After this instant the key is refused with `expired_api_key`.
        /// Sent as ISO 8601 with whole seconds.
        public var expiresAt: Date?

        public init(key: String, name: String? = nil, expiresAt: Date? = nil) {
            self.key = key
            self.name = name
            self.expiresAt = expiresAt
        }
    }
}
