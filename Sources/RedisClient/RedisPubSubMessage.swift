import NIOCore

/// A message received on a subscribed channel or pattern.
public struct RedisPubSubMessage: Sendable, Equatable {
    /// The channel the message was published to.
    public var topic: String
    /// The pattern that matched, for messages delivered through PSUBSCRIBE.
    public var pattern: String?
    /// The published bytes, exactly as sent.
    public var payload: ByteBuffer

    public init(topic: String, pattern: String? = nil, payload: ByteBuffer) {
        self.topic = topic
        self.pattern = pattern
        self.payload = payload
    }
}

/// The subscriber's connection state as reported to `onStateChange`.
public enum RedisSubscriberState: Sendable, Equatable {
    /// Started, no connection established yet.
    case connecting
    /// Connected, and every desired channel and pattern is subscribed.
    case connected
    /// Not connected (lost, or never reached); reconnecting unless stopped.
    case disconnected
}
