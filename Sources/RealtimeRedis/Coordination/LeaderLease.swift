import Logging
import RealtimeCore
import RedisClient
import Synchronization

/// Leader election between coordinators: `SET lease <id> NX PX ttl` to take it,
/// a compare-and-pexpire script to keep it. Only the leader cleans up dead nodes;
/// every coordinator judges and serves the cluster view.
///
/// Leadership is believed locally only until `ttl - margin` after the request that
/// last confirmed it was *sent*, so even with Redis unreachable this process stops
/// acting as leader before anyone else can acquire the lapsed lease.
public final class LeaderLease: Sendable {
    public let coordinatorId: String
    private let pool: RedisConnectionPool
    private let ttl: Duration
    private let margin: Duration
    private let logger: Logger
    private let validUntil = Mutex<ContinuousClock.Instant?>(nil)

    init(coordinatorId: String, pool: RedisConnectionPool, ttl: Duration, logger: Logger) {
        self.coordinatorId = coordinatorId
        self.pool = pool
        self.ttl = ttl
        // Room for clock-rate drift and the reply's travel time.
        self.margin = min(.seconds(1), ttl / 5)
        self.logger = logger
    }

    public var isLeader: Bool {
        validUntil.withLock { until in until.map { ContinuousClock.now < $0 } ?? false }
    }

    /// One renewal or acquisition attempt; call every renew interval.
    public func refresh() async {
        let sentAt = ContinuousClock.now
        let wasLeader = isLeader
        do {
            var held =
                try await pool.run(
                    LeaseScripts.renew, keys: [.string(RedisKeyspace(for: pool).leader)],
                    args: [.string(coordinatorId), .int(ttlMilliseconds)]
                ).int == 1
            if !held {
                let reply = try await pool.send(
                    RedisCommand(
                        "SET", .string(RedisKeyspace(for: pool).leader), .string(coordinatorId), "NX", "PX", .int(ttlMilliseconds)))
                held = reply.string == "OK"
            }
            validUntil.withLock { $0 = held ? sentAt + ttl - margin : nil }
            if held != wasLeader {
                logger.notice(held ? "acquired the leader lease" : "lost the leader lease", metadata: ["coordinator": "\(coordinatorId)"])
            }
        } catch {
            // Keep believing only until the deadline computed from the last success.
            logger.warning("leader lease refresh failed", metadata: ["error": "\(error)"])
        }
    }

    /// Gives the lease up (graceful shutdown) so a standby takes over immediately.
    public func release() async {
        validUntil.withLock { $0 = nil }
        _ = try? await pool.run(LeaseScripts.release, keys: [.string(RedisKeyspace(for: pool).leader)], args: [.string(coordinatorId)])
    }

    private var ttlMilliseconds: Int {
        Int(ttl.components.seconds * 1000 + ttl.components.attoseconds / 1_000_000_000_000_000)
    }
}
