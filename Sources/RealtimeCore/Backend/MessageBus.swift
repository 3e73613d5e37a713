import NIOCore

/// Moves pre-encoded frames between edges: a topic's subscribers on every edge get
/// each frame published to it. Rate limits ride on the publish, so a client message
/// costs one backend round trip.
public protocol MessageBus: Sendable {
    var kind: String { get }

    /// Connects and starts delivering events. Returns once the backend is usable.
    func start(onEvent: @escaping @Sendable (BackendEvent) -> Void) async throws
    /// Stops delivering events and disconnects (every seam of this backend).
    func shutdown() async

    /// The edge gained its first local interest in a topic: deliveries for it must
    /// start before this returns. Reference counting is the edge's job.
    func acquire(_ topic: Topic) async throws
    /// The edge lost its last local interest in a topic.
    func release(_ topic: Topic) async

    /// Sends a frame to every subscriber of `topic`, on every edge. With a rate-limit
    /// check, the event is first counted against the limits (cluster-wide, in the same
    /// round trip) and not published when one is exceeded: that limit is returned.
    /// With a retention, the message is also kept (recovery log, channel history) in that
    /// same call, and with recovery the delivered frame carries its offset.
    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?)
        async throws -> RateLimit?

    /// Publishes every frame, in order, in one backend round trip, without rate
    /// limits (the server API's batch). Subscribers get them in the batch's order.
    func publish(batch: [Delivery]) async throws

    /// A lane for one sender's ordered, pipelined publishes, confined to `loop`.
    func makeLane(on loop: any EventLoop) -> any PublishLane

    /// Counts one client event against rate limits; returns the first limit exceeded.
    func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit?
    /// Rate-limit checks decided by the edge's own counters because the backend was
    /// unreachable (fail-open).
    var rateLimitFallbackCount: Int { get }

    /// Tells every edge to close a user's connections of one session (all when nil).
    func endSessions(userId: String, sessionId: String?) async throws
}

extension MessageBus {
    /// Publishes without rate limits (server API, presence).
    public func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, retaining: Retention? = nil) async throws {
        _ = try await publish(topic, frame: frame, excluding: excluding, limitedBy: nil, retaining: retaining)
    }

    /// Publishes, counted against rate limits, keeping nothing.
    public func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> RateLimit?
    {
        try await publish(topic, frame: frame, excluding: excluding, limitedBy: check, retaining: nil)
    }
}
