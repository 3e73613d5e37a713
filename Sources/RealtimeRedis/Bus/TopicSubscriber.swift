import RealtimeCore
import RedisClient

/// The pub/sub connection(s) of an edge: one `RedisSubscriber` for one Redis, or a
/// `RedisClusterSubscriber` (a connection per master) for a Redis Cluster, where
/// sharded topics are subscribed on the master that owns their slot.
protocol TopicSubscriber: Sendable {
    func start()
    func waitUntilConnected(timeout: Duration) async throws
    func subscribe(_ topic: String, sharded: Bool) async throws
    func unsubscribe(_ topic: String, sharded: Bool) async throws
    func stop() async
}

extension RedisSubscriber: TopicSubscriber {
    func subscribe(_ topic: String, sharded: Bool) async throws { try await subscribe([topic]) }
    func unsubscribe(_ topic: String, sharded: Bool) async throws { try await unsubscribe([topic]) }
}

extension RedisClusterSubscriber: TopicSubscriber {
    func subscribe(_ topic: String, sharded: Bool) async throws {
        sharded ? try await ssubscribe([topic]) : try await subscribe([topic])
    }

    func unsubscribe(_ topic: String, sharded: Bool) async throws {
        sharded ? try await sunsubscribe([topic]) : try await unsubscribe([topic])
    }
}
