import RealtimeCore
import RealtimeRedis

/// Everything a coordinator needs to know; the timings are the node-health contract
/// with the edges (each edge writes its heartbeat every second with a 30 s TTL).
public struct CoordinatorConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var redis: RedisOptions
    /// Unique per coordinator process: it is the value stored in the leader lease.
    public var coordinatorId: String
    /// How often the registry reads the heartbeats and judges the nodes.
    public var tickInterval: Duration
    /// A node whose heartbeat is older than this is suspect (one or two missed beats).
    public var suspectAfter: Duration
    /// A node whose heartbeat is older than this is dead and gets cleaned up.
    public var deadAfter: Duration
    /// Dead nodes stay visible in /cluster (from memory) this long.
    public var forgetDeadAfter: Duration
    /// Lifetime of the leader lease; the other coordinator takes over when it lapses.
    public var leaseTTL: Duration
    /// How often the lease is renewed (or, by a follower, tried).
    public var leaseRenewInterval: Duration
    /// Index entries handled per eviction script call, so Redis is never blocked long.
    public var evictionBatchSize: Int

    public init(
        host: String = "127.0.0.1",
        port: Int = 8090,
        redis: RedisOptions = RedisOptions(url: "redis://127.0.0.1:6379"),
        coordinatorId: String = CoordinatorConfiguration.defaultId(),
        tickInterval: Duration = .milliseconds(500),
        suspectAfter: Duration = .seconds(2),
        deadAfter: Duration = .seconds(5),
        forgetDeadAfter: Duration = .seconds(600),
        leaseTTL: Duration = .seconds(5),
        leaseRenewInterval: Duration = .seconds(1),
        evictionBatchSize: Int = 200
    ) {
        self.host = host
        self.port = port
        self.redis = redis
        self.coordinatorId = coordinatorId
        self.tickInterval = tickInterval
        self.suspectAfter = suspectAfter
        self.deadAfter = deadAfter
        self.forgetDeadAfter = forgetDeadAfter
        self.leaseTTL = leaseTTL
        self.leaseRenewInterval = leaseRenewInterval
        self.evictionBatchSize = evictionBatchSize
    }

    public static func defaultId() -> String {
        "coord-" + RandomID.make(length: 8)
    }

    /// The thresholds the registry judges with.
    var health: HealthThresholds {
        HealthThresholds(suspectAfter: suspectAfter, deadAfter: max(deadAfter, suspectAfter))
    }
}
