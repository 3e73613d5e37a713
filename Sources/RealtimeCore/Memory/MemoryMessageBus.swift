import NIOCore
import Synchronization

/// One node's bus: every publish is handed straight back to this edge. It also
/// counts rate limits for the memory presence store, so every client event of a
/// single node draws on the same counters.
public final class MemoryMessageBus: MessageBus {
    public var kind: String { "memory" }
    private let onEvent = Mutex<(@Sendable (BackendEvent) -> Void)?>(nil)
    private let limiter = FixedWindowLimiter()
    public let recovery: MemoryRecoveryStore

    public init(recovery: MemoryRecoveryStore = MemoryRecoveryStore()) {
        self.recovery = recovery
    }

    public func start(onEvent handler: @escaping @Sendable (BackendEvent) -> Void) async throws {
        onEvent.withLock { $0 = handler }
    }

    public func shutdown() async {
        onEvent.withLock { $0 = nil }
    }

    public func acquire(_ topic: Topic) async throws {}
    public func release(_ topic: Topic) async {}

    public func publish(
        _ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?
    ) async throws -> RateLimit? {
        if let check, let exceeded = limiter.consume(check) { return exceeded }
        deliver(topic, frame: frame, excluding: excluding, retaining: retaining)
        return nil
    }

    public func publish(batch: [Delivery]) async throws {
        for publication in batch {
            deliver(publication.topic, frame: publication.frame, excluding: publication.excluding, retaining: publication.retaining)
        }
    }

    /// Keeps what the retention asks for, then delivers (with the offset, when logged).
    func deliver(_ topic: Topic, frame: ByteBuffer, excluding: String?, retaining: Retention?) {
        var frame = frame
        if let retaining, let offset = recovery.record(topic, frame: frame, excluding: excluding, retention: retaining) {
            frame = OffsetFrames.appending(offset, to: frame)
        }
        emit(.delivery(Delivery(topic: topic, frame: frame, excluding: excluding)))
    }

    public func makeLane(on loop: any EventLoop) -> any PublishLane {
        MemoryPublishLane(bus: self, loop: loop)
    }

    public func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit? {
        limiter.consume(check)
    }

    /// A single process cannot lose its own counters.
    public var rateLimitFallbackCount: Int { 0 }

    public func endSessions(userId: String, sessionId: String?) async throws {
        emit(.endSessions(userId: userId, sessionId: sessionId))
    }

    /// Throws `RateLimitExceeded` when the event is over a limit, else counts it.
    func enforce(_ check: RateLimitCheck?) throws {
        if let check, let exceeded = limiter.consume(check) { throw RateLimitExceeded(exceeded) }
    }

    func emit(_ event: BackendEvent) {
        onEvent.withLock { $0 }?(event)
    }
}
