import NIOCore
import RealtimeCore
import RedisClient
import Synchronization

/// A session's publishes on one pinned pool connection: Redis runs a connection's
/// commands in arrival order, and `RedisConnection.enqueue` writes them in the
/// order of the calls, so plain PUBLISHes are pipelined and still applied in order.
///
/// A publish that cannot be queued straight away (the first, which leases the
/// connection; a rate-limited or retained one, a script that may need loading first;
/// one after the pinned connection died; on a Redis Cluster, one to another shard than
/// the pinned connection's) waits until every earlier publish of the lane is done, and
/// later ones wait for it. Order is kept either way; only plain publishes on a live
/// connection overlap.
///
/// Called by one sender at a time (its session's actor); replies complete on the
/// session's event loop and update the lane's state there, so the state is locked.
final class RedisPublishLane: PublishLane, Sendable {
    private struct State {
        var connection: RedisConnection?
        /// On a Redis Cluster, the master `connection` belongs to: only topics of its
        /// shard are pipelined on it. Always nil for one Redis.
        var shard: RedisEndpoint?
        /// Done (either way) when the latest publish started is done.
        var last: EventLoopFuture<Void>
        /// Publishes waiting behind earlier ones: while any waits, later ones queue too.
        var waiting = 0
    }

    private let redis: RedisConnections
    private let loop: any EventLoop
    private let state: Mutex<State>
    /// A retained publish went through `pool.run`, which loads the script: later ones
    /// may be queued as EVALSHA like plain PUBLISHes. A NOSCRIPT (SCRIPT FLUSH) fails
    /// that publish with its error and sends the next ones the loading way again.
    /// Atomic, not in `state`: reply callbacks set it, and must never take the lock.
    private let scriptLoaded = Atomic<Bool>(false)

    init(redis: RedisConnections, loop: any EventLoop) {
        self.redis = redis
        self.loop = loop
        self.state = Mutex(State(last: loop.makeSucceededVoidFuture()))
    }

    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?)
        -> EventLoopFuture<RateLimit?>
    {
        do {
            try redis.relay.publishGate.check()
        } catch {
            return loop.makeFailedFuture(error)
        }
        let message = (
            topic: redis.keys.topicName(topic), payload: Envelope.encode(frame: frame, excluding: excluding),
            sharded: redis.keys.isSharded(topic)
        )
        let publishCommand = message.sharded ? "SPUBLISH" : "PUBLISH"
        let limited = check.map { !$0.limits.isEmpty } ?? false
        let shard = redis.pool.cluster?.knownMaster(forKey: message.topic)
        // Decided and queued under the lock: the lane's order is the order of the calls.
        return state.withLock { state in
            let result: EventLoopFuture<RateLimit?>
            if state.waiting == 0, !limited, retaining == nil || scriptLoaded.load(ordering: .relaxed), let connection = state.connection,
                connection.isActive, state.shard == shard
            {
                let command =
                    retaining.map {
                        RedisConnections.retainedCommand(
                            Delivery(topic: topic, frame: frame, excluding: excluding), retaining: $0, bySHA: true)
                    } ?? RedisCommand(publishCommand, .string(message.topic), .buffer(message.payload))
                result = connection.enqueue(command)
                    .flatMapThrowing { reply -> RateLimit? in
                        if case .error(let text) = reply {
                            if text.hasPrefix("NOSCRIPT") { self.scriptLoaded.store(false, ordering: .relaxed) }
                            throw RedisError.server(text)
                        }
                        return nil
                    }
                    .hop(to: loop)
            } else {
                let redis = self.redis
                let check = limited ? check : nil
                result = afterEarlierOnes(&state, topic: message.topic, shard: shard) {
                    if let retaining {
                        let exceeded = try await redis.publishRetained(
                            topic, frame: frame, excluding: excluding, limitedBy: check, retaining: retaining)
                        if check == nil { self.scriptLoaded.store(true, ordering: .relaxed) }
                        return exceeded
                    }
                    if let check { return try await redis.checkLimits(check, publishing: message) }
                    _ = try await redis.pool.send(RedisCommand(publishCommand, .string(message.topic), .buffer(message.payload)))
                    return nil
                }
            }
            state.last = result.map { _ in }.recover { _ in }
            return result
        }
    }

    private func afterEarlierOnes(
        _ state: inout State, topic: String, shard: RedisEndpoint?, _ operation: @escaping @Sendable () async throws -> RateLimit?
    ) -> EventLoopFuture<RateLimit?> {
        state.waiting += 1
        let redis = self.redis
        let needsConnection = !(state.connection?.isActive ?? false) || state.shard != shard
        let outcome = state.last.flatMap { [loop] _ in
            let promise = loop.makePromise(of: (RateLimit?, Leased?).self)
            promise.completeWithTask {
                // The lease may fail while Redis is down; the publish then fails on its own.
                let leased = needsConnection ? try? await Self.lease(redis.pool, for: topic) : nil
                return (try await operation(), leased)
            }
            return promise.futureResult
        }.hop(to: loop)
        // Completes from a task, never inline, so this never runs inside the lock above.
        outcome.whenComplete { result in
            self.state.withLock { state in
                state.waiting -= 1
                if case .success((_, let leased?)) = result { (state.connection, state.shard) = leased }
            }
        }
        return outcome.map { $0.0 }
    }

    typealias Leased = (connection: RedisConnection, shard: RedisEndpoint?)

    /// A pool connection, on a cluster the one of the topic's shard.
    private static func lease(_ pool: RedisConnectionPool, for topic: String) async throws -> Leased {
        guard let cluster = pool.cluster else { return (try await pool.pinnedConnection(), nil) }
        let (connection, master) = try await cluster.pinnedConnection(forKey: topic)
        return (connection, master)
    }
}
