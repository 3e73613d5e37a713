import RealtimeCore
import Logging
import NIOCore
import RedisClient

/// What a coordinator needs of Redis, on one small pool: the registry reader, the
/// leader lease and the dead-node evictor.
public final class RedisCoordination: Sendable {
    private let pool: RedisConnectionPool
    public let reader: ClusterReader
    public let lease: LeaderLease

    public init(url: String, coordinatorId: String, leaseTTL: Duration, logger: Logger, eventLoopGroup: any EventLoopGroup) throws {
        let pool = RedisConnectionPool(configuration: try RedisConfiguration(url: url), size: 2, eventLoopGroup: eventLoopGroup, logger: logger)
        self.pool = pool
        self.reader = ClusterReader(pool: pool)
        self.lease = LeaderLease(coordinatorId: coordinatorId, pool: pool, ttl: leaseTTL, logger: logger)
    }

    /// An evictor that stops between batches once this coordinator is no longer leader.
    public func evictor(batchSize: Int) -> NodeEvictor {
        let lease = self.lease
        return NodeEvictor(pool: pool, batchSize: max(1, batchSize), isLeader: { lease.isLeader })
    }

    public func close() async {
        await pool.close()
    }
}
