import NIOCore
import RealtimeCore
import RedisClient

/// Deliveries over Redis pub/sub: one topic per channel, per user and for
/// broadcasts, subscribed only while this edge has local interest, plus the control
/// topic (settings, evictions, signouts) always. On a Redis Cluster, channel and
/// user topics are sharded (`SPUBLISH`, subscribed on their slot's master only) and
/// broadcasts and control messages stay plain pub/sub, which the cluster bus copies
/// to every node (docs/KEYSPACE.md gives the cost).
final class RedisMessageBus: MessageBus {
    var kind: String { "redis" }
    private let redis: RedisConnections

    init(_ connections: RedisConnections) {
        self.redis = connections
    }

    func start(onEvent: @escaping @Sendable (BackendEvent) -> Void) async throws {
        // A refused password or TLS handshake ends the start here, with its reason.
        try await RedisStartupCheck.run(redis.configuration, patience: .seconds(10), logger: redis.logger)
        redis.relay.setHandler(onEvent)
        redis.subscriber.start()
        try await redis.subscriber.waitUntilConnected(timeout: .seconds(10))
        try await redis.subscriber.subscribe(redis.keys.controlTopic, sharded: false)
    }

    func shutdown() async {
        redis.relay.setHandler(nil)
        await redis.subscriber.stop()
        await redis.pool.close()
    }

    func acquire(_ topic: Topic) async throws {
        try await redis.subscriber.subscribe(redis.keys.topicName(topic), sharded: redis.keys.isSharded(topic))
    }

    func release(_ topic: Topic) async {
        do {
            try await redis.subscriber.unsubscribe(redis.keys.topicName(topic), sharded: redis.keys.isSharded(topic))
        } catch {
            redis.logger.debug("unsubscribe failed (resynced on reconnect)", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention?)
        async throws -> RateLimit?
    {
        try redis.relay.publishGate.check()
        if let retaining {
            return try await redis.publishRetained(topic, frame: frame, excluding: excluding, limitedBy: check, retaining: retaining)
        }
        let payload = Envelope.encode(frame: frame, excluding: excluding)
        let name = redis.keys.topicName(topic)
        guard let check, !check.limits.isEmpty else {
            _ = try await redis.pool.send(RedisCommand(redis.keys.publishCommand(topic), .string(name), .buffer(payload)))
            return nil
        }
        return try await redis.checkLimits(check, publishing: (name, payload, sharded: redis.keys.isSharded(topic)))
    }

    /// One pipeline of PUBLISHes (EVALs for messages kept for recovery or history) on
    /// one connection: one write, one round trip, and Redis runs a connection's
    /// commands in the order they arrive.
    func publish(batch: [Delivery]) async throws {
        guard !batch.isEmpty else { return }
        try redis.relay.publishGate.check()
        let commands = batch.map { delivery in
            if let retaining = delivery.retaining { return RedisConnections.retainedCommand(delivery, retaining: retaining) }
            return RedisCommand(
                redis.keys.publishCommand(delivery.topic), .string(redis.keys.topicName(delivery.topic)),
                .buffer(Envelope.encode(frame: delivery.frame, excluding: delivery.excluding, publishedAt: delivery.publishedAt)))
        }
        for reply in try await redis.pool.pipeline(commands) {
            if case .error(let message) = reply { throw RedisError.server(message) }
        }
    }

    func makeLane(on loop: any EventLoop) -> any PublishLane {
        RedisPublishLane(redis: redis, loop: loop)
    }

    func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit? {
        guard !check.limits.isEmpty else { return nil }
        return try await redis.checkLimits(check, publishing: nil)
    }

    var rateLimitFallbackCount: Int { redis.rateLimitFallbacks.load(ordering: .relaxed) }

    func endSessions(userId: String, sessionId: String?) async throws {
        _ = try await redis.pool.send(
            RedisCommand("PUBLISH", .string(redis.keys.controlTopic), .string(ControlMessage.signout(userId: userId, sessionId: sessionId)))
        )
    }
}
