import NIOCore
import RealtimeCore
import RedisClient

/// A session's publishes on one pinned pool connection: Redis runs a connection's
/// commands in arrival order, and `RedisConnection.enqueue` writes them in the
/// order of the calls, so plain PUBLISHes are pipelined and still applied in order.
///
/// A publish that cannot be queued straight away (the first, which leases the
/// connection; a rate-limited one, a script that may need loading first; or one
/// after the pinned connection died) waits until every earlier publish of the lane
/// is done, and later ones wait for it. Order is kept either way; only plain
/// publishes on a live connection overlap.
///
/// Used only on `loop` (the session's event loop).
final class RedisPublishLane: PublishLane {
    private let redis: RedisConnections
    private let loop: any EventLoop
    private var connection: RedisConnection?
    /// Done (either way) when the latest publish started is done.
    private var last: EventLoopFuture<Void>
    /// Publishes waiting behind earlier ones: while any waits, later ones queue too.
    private var waiting = 0

    init(redis: RedisConnections, loop: any EventLoop) {
        self.redis = redis
        self.loop = loop
        self.last = loop.makeSucceededVoidFuture()
    }

    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) -> EventLoopFuture<RateLimit?> {
        loop.preconditionInEventLoop()
        do {
            try redis.relay.publishGate.check()
        } catch {
            return loop.makeFailedFuture(error)
        }
        let message = (topic: RedisKeys.topicName(topic), payload: Envelope.encode(frame: frame, excluding: excluding))
        let limited = check.map { !$0.limits.isEmpty } ?? false
        let result: EventLoopFuture<RateLimit?>
        if waiting == 0, !limited, let connection, connection.isActive {
            result = connection.enqueue(RedisCommand("PUBLISH", .string(message.topic), .buffer(message.payload)))
                .flatMapThrowing { reply -> RateLimit? in
                    if case .error(let text) = reply { throw RedisError.server(text) }
                    return nil
                }
                .hop(to: loop)
        } else {
            result = afterEarlierOnes(message, check: limited ? check : nil)
        }
        last = result.map { _ in }.recover { _ in }
        return result
    }

    private func afterEarlierOnes(_ message: (topic: String, payload: ByteBuffer), check: RateLimitCheck?) -> EventLoopFuture<RateLimit?> {
        waiting += 1
        let redis = self.redis
        let needsConnection = !(connection?.isActive ?? false)
        let outcome = last.flatMap { [loop] _ in
            let promise = loop.makePromise(of: (RateLimit?, RedisConnection?).self)
            promise.completeWithTask {
                // The lease may fail while Redis is down; the publish then fails on its own.
                let leased = needsConnection ? try? await redis.pool.pinnedConnection() : nil
                if let check {
                    return (try await redis.checkLimits(check, publishing: message), leased)
                }
                _ = try await redis.pool.send(RedisCommand("PUBLISH", .string(message.topic), .buffer(message.payload)))
                return (nil, leased)
            }
            return promise.futureResult
        }
        let isolated = outcome.hop(to: loop).assumeIsolated()
        isolated.whenComplete { result in
            self.waiting -= 1
            if case .success((_, let leased?)) = result { self.connection = leased }
        }
        return isolated.map { $0.0 }.nonisolated()
    }
}
