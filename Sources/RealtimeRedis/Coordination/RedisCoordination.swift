import Logging
import NIOCore
import RealtimeCore
import RedisClient

/// What a coordinator needs of Redis, on one small pool: the registry reader, the
/// leader lease and the dead-node evictor.
public final class RedisCoordination: Sendable {
    private let pool: RedisConnectionPool
    private let configuration: RedisConfiguration
    private let logger: Logger
    public let reader: ClusterReader
    public let lease: LeaderLease

    public init(_ options: RedisOptions, coordinatorId: String, leaseTTL: Duration, logger: Logger, eventLoopGroup: any EventLoopGroup)
        throws
    {
        let configuration = try options.configuration()
        self.configuration = configuration
        self.logger = logger
        let pool = RedisConnectionPool(configuration: configuration, size: 2, eventLoopGroup: eventLoopGroup, logger: logger)
        self.pool = pool
        self.reader = ClusterReader(pool: pool)
        self.lease = LeaderLease(coordinatorId: coordinatorId, pool: pool, ttl: leaseTTL, logger: logger)
    }

    /// An evictor that stops between batches once this coordinator is no longer leader.
    public func evictor(batchSize: Int) -> NodeEvictor {
        let lease = self.lease
        return NodeEvictor(pool: pool, batchSize: max(1, batchSize), isLeader: { lease.isLeader })
    }

    /// Fails at once when Redis refuses this coordinator (password, ACL, TLS). An
    /// unreachable Redis is not an error here: the coordinator serves a 503
    /// `/health/ready` until it can read the registry.
    public func checkCredentials() async throws {
        do {
            try await RedisStartupCheck.run(configuration, patience: .zero, logger: logger)
        } catch {
            guard case .unreachable = error else { throw error }
            logger.warning("Redis not reachable yet", metadata: ["error": "\(error)"])
        }
    }

    public func close() async {
        await pool.close()
    }
}
