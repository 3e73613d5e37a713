import Logging
import RealtimeCore
import RealtimeEdge

/// Memory without a Redis URL (the embedded single-node default), Redis with one.
func makeBroker(config: EdgeConfiguration, logger: Logger) throws -> any Broker {
    guard let url = config.redisURL else {
        return MemoryBroker(nodeId: config.nodeId)
    }
    return try RedisBroker(url: url, nodeId: config.nodeId, logger: logger)
}
