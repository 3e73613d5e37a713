import Logging
import RealtimeCore
import RealtimeEdge
import RealtimeRedis

/// The executable picks the backend, so the edge never links a Redis client it does
/// not use: memory without a Redis URL (the embedded single-node default), Redis with one.
func makeBackend(config: EdgeConfiguration, logger: Logger) throws -> Backend {
    guard let url = config.redisURL else { return .memory() }
    return try .redis(url: url, nodeId: config.nodeId, logger: logger)
}
