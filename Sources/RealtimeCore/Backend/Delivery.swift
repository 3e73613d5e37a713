import NIOCore

/// A message on its way to a topic's subscribers (published in a batch) or to local
/// recipients (delivered): one pre-encoded Engine.IO text frame payload, written
/// unchanged to every recipient; echo-off is a filter, not a re-encode.
public struct Delivery: Sendable {
    public var topic: Topic
    public var frame: ByteBuffer
    /// The socket id that must not receive it (the sender, when echo is off).
    public var excluding: String?
    /// When it was published (`WallClock` microseconds), for the delivery-latency histogram.
    public var publishedAt: Int64
    /// What a published message keeps besides its delivery (batch publishes).
    public var retaining: Retention?

    public init(
        topic: Topic, frame: ByteBuffer, excluding: String? = nil, retaining: Retention? = nil,
        publishedAt: Int64 = WallClock.microseconds()
    ) {
        self.topic = topic
        self.frame = frame
        self.excluding = excluding
        self.retaining = retaining
        self.publishedAt = publishedAt
    }
}

/// A channel and the pre-encoded event frame its members must get.
public struct ChannelAnnouncement: Sendable {
    public var channel: String
    public var frame: ByteBuffer
    public init(channel: String, frame: ByteBuffer) {
        self.channel = channel
        self.frame = frame
    }
}
