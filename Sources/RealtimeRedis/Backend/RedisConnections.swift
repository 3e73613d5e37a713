import Logging
import NIOCore
import NIOPosix
import RealtimeCore
import RedisClient
import Synchronization

/// The Redis connections one edge's five seams share: a command pool, the pub/sub
/// subscriber, and the relay that turns subscriber state into backend events. The
/// message bus owns their lifecycle (it starts and closes them).
final class RedisConnections: Sendable {
    let nodeId: String
    let configuration: RedisConfiguration
    let pool: RedisConnectionPool
    let subscriber: any TopicSubscriber
    /// Key and topic names: one Redis's, or the hash-tagged ones of a Redis Cluster.
    let keys: RedisKeyspace
    let relay = BackendEventRelay()
    let logger: Logger
    /// Counts for rate-limit checks decided locally because Redis was unreachable.
    let fallbackLimiter = FixedWindowLimiter()
    let rateLimitFallbacks = Atomic<Int>(0)

    init(configuration: RedisConfiguration, nodeId: String, logger: Logger, eventLoopGroup: any EventLoopGroup) {
        self.nodeId = nodeId
        self.configuration = configuration
        self.logger = logger
        self.pool = RedisConnectionPool(configuration: configuration, size: 4, eventLoopGroup: eventLoopGroup, logger: logger)
        let relay = self.relay
        let keys = RedisKeyspace(for: pool)
        self.keys = keys
        let onMessage: @Sendable (RedisPubSubMessage) -> Void = { message in
            RedisMessageRouter.route(message, to: relay, nodeId: nodeId, keys: keys)
        }
        let onStateChange: @Sendable (RedisSubscriberState) -> Void = { state in relay.subscriberStateChanged(state) }
        if let cluster = pool.cluster {
            self.subscriber = RedisClusterSubscriber(
                client: cluster, configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
                onMessage: onMessage, onStateChange: onStateChange)
        } else {
            self.subscriber = RedisSubscriber(
                configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
                onMessage: onMessage, onStateChange: onStateChange)
        }
    }
}

extension Backend {
    /// The cluster backend on one Redis: pub/sub for deliveries, hashes for presence,
    /// one round trip per message or presence change (scripts publish in the same call).
    public static func redis(
        _ options: RedisOptions, nodeId: String, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws -> Backend {
        let connections = RedisConnections(
            configuration: try options.configuration(), nodeId: nodeId, logger: logger, eventLoopGroup: eventLoopGroup)
        return Backend(
            bus: RedisMessageBus(connections), presence: RedisPresenceStore(connections),
            settings: RedisSettingsStore(pool: connections.pool), registration: RedisNodeRegistration(connections),
            recovery: connections.pool.cluster == nil
                ? RedisRecoveryStore(connections)
                : UnavailableRecoveryStore(
                    reason: "connection state recovery and channel history are not supported on a Redis Cluster (redis-cluster://); "
                        + "use redis:// or redis-sentinel://"))
    }
}
