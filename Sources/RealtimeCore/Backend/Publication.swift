import NIOCore

/// One frame for a topic's subscribers, as a member of a batch publish.
public struct Publication: Sendable {
    public var topic: Topic
    public var frame: ByteBuffer
    /// A connection id that must not get the frame (the sender without echo).
    public var excluding: String?

    public init(topic: Topic, frame: ByteBuffer, excluding: String? = nil) {
        self.topic = topic
        self.frame = frame
        self.excluding = excluding
    }
}
