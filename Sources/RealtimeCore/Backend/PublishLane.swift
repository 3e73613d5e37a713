import NIOCore

/// One sender's publishes, applied by the backend in the order they are started,
/// with many in flight at once. A client session pipelines its `message` events
/// through its lane instead of waiting a backend round trip for each.
///
/// One sender at a time (the session's actor) calls it. The call itself fixes a
/// publish's place in the order, which an `async` call could not promise (its caller
/// may hop executors before the command is written); the returned futures complete
/// in the order the publishes were started.
public protocol PublishLane: AnyObject {
    /// Like `MessageBus.publish`: the first limit exceeded, or nil once published.
    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?)
        -> EventLoopFuture<RateLimit?>
}
