import Logging
import RealtimeCore
import RealtimeEdge
import RealtimeRedis

/// The executable picks the backend, so the edge never links a Redis client it does
/// not use: memory without a Redis URL (the embedded single-node default), Redis with one.
func makeBackend(config: EdgeConfiguration, redis: RedisOptions?, logger: Logger) throws -> Backend {
    guard let redis else { return .memory() }
    return try .redis(redis, nodeId: config.nodeId, logger: logger)
}
