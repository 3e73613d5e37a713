import RealtimeCore
import RedisClient
import SocketIOProtocol

/// This edge in the registry the coordinator reads: `rt:nodes` and a heartbeat
/// string with a TTL (`rt:node:<id>:heartbeat`), written every second.
final class RedisNodeRegistration: NodeRegistration {
    private let redis: RedisConnections

    init(_ connections: RedisConnections) {
        self.redis = connections
    }

    /// Registration itself is the first heartbeat; this only clears what a crashed
    /// predecessor with this node id left behind.
    func register() async throws {
        let removed = try await NodeEvictor(pool: redis.pool).evict(redis.nodeId, notify: false)
        // This process starts with no members: nothing of an old eviction to announce.
        _ = try await redis.pool.send(RedisCommand("DEL", .string(redis.keys.nodeEvicted(redis.nodeId))))
        if removed > 0 {
            redis.logger.notice("removed members left by a previous run of this node", metadata: ["members": "\(removed)"])
        }
    }

    func beat(_ heartbeat: NodeHeartbeat) async throws {
        _ = try await redis.pool.pipeline([
            RedisCommand("SET", .string(redis.keys.nodeHeartbeat(redis.nodeId)), .bytes(heartbeat.json.serialized), "PX", "30000"),
            RedisCommand("SADD", .string(redis.keys.nodes), .string(redis.nodeId)),
        ])
    }

    func deregister() async {
        _ = try? await redis.pool.pipeline([
            RedisCommand("DEL", .string(redis.keys.nodeHeartbeat(redis.nodeId))),
            RedisCommand("SREM", .string(redis.keys.nodes), .string(redis.nodeId)),
        ])
    }
}
