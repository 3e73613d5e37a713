import Foundation
import Logging
import NIOCore
import NIOPosix
import RealtimeCore
import RealtimeRedis
import SocketIOProtocol
import Synchronization

/// The coordinator process: watches the edges' heartbeats, judges every node,
/// and (while it holds the leader lease) cleans up dead ones. It is never on the
/// message path: edges keep relaying whether or not any coordinator runs.
public final class Coordinator: Sendable {
    public let configuration: CoordinatorConfiguration
    let logger: Logger
    let metrics = CoordinatorMetrics()
    let lease: LeaderLease
    let redis: RedisCoordination
    private let reader: ClusterReader
    private let evictor: NodeEvictor
    private let registry: Mutex<NodeRegistry>
    private let history = Mutex(ClusterHistory())
    /// Whether the latest registry read succeeded.
    private let redisUp = Atomic<Bool>(false)
    /// The last registry read error logged, so an outage is logged once, including
    /// one that lasts from the start.
    private let lastReadError = Mutex<String?>(nil)
    /// Since when each edge enforces another settings version, and what was last logged.
    private let settingsMismatches = Mutex(SettingsMismatchLog())

    public init(
        configuration: CoordinatorConfiguration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        self.configuration = configuration
        self.logger = logger
        let redis = try RedisCoordination(
            configuration.redis, coordinatorId: configuration.coordinatorId, leaseTTL: configuration.leaseTTL,
            logger: logger, eventLoopGroup: eventLoopGroup)
        self.redis = redis
        self.reader = redis.reader
        self.lease = redis.lease
        self.evictor = redis.evictor(batchSize: configuration.evictionBatchSize)
        self.registry = Mutex(
            NodeRegistry(
                thresholds: configuration.health,
                forgetAfter: configuration.forgetDeadAfter,
                blindAfter: configuration.tickInterval * 3))
    }

    public var id: String { configuration.coordinatorId }
    var isRedisUp: Bool { redisUp.load(ordering: .relaxed) }

    /// One registry pass: read, judge, refresh the metrics. Returns the dead nodes
    /// this coordinator should clean up now (none unless it leads), already marked
    /// as in flight so the next pass does not start them again.
    func tick() async -> [String] {
        let observation: ClusterObservation
        do {
            observation = try await reader.read()
        } catch {
            redisUp.store(false, ordering: .relaxed)
            let described = "\(error)"
            if lastReadError.withLock({ last in
                defer { last = described }
                return last != described
            }) {
                logger.warning("cannot read the cluster registry from Redis", metadata: ["error": "\(described)"])
            }
            metrics.update(snapshot())
            return []
        }
        lastReadError.withLock { $0 = nil }
        if !redisUp.exchange(true, ordering: .relaxed) {
            logger.notice("reading the cluster registry", metadata: ["redis": "\(configuration.redis.redactedURL)"])
        }
        let now = ContinuousClock.now
        let wallNow = Self.unixMilliseconds()
        let leader = lease.isLeader
        let (events, evictions) = registry.withLock { registry in
            let events = registry.observe(observation, now: now, wallNow: wallNow)
            guard leader else { return (events, [String]()) }
            let candidates = registry.evictionCandidates
            for id in candidates { registry.evictionStarted(id) }
            return (events, candidates)
        }
        for event in events {
            logger.notice("\(event)")
        }
        let current = snapshot()
        reportSettingsMismatches(current)
        metrics.update(current)
        history.withLock { $0.record(current) }
        return evictions
    }

    /// Cleans up one dead node; failures are retried by a later pass.
    func evict(_ nodeId: String) async {
        let started = ContinuousClock.now
        do {
            let removed = try await evictor.evict(nodeId)
            metrics.cleanupDuration.observe(ContinuousClock.now - started)
            registry.withLock { $0.evictionFinished(nodeId, succeeded: true) }
            logger.notice(
                "cleaned up dead node",
                metadata: [
                    "node": "\(nodeId)", "members": "\(removed)", "took": "\(ContinuousClock.now - started)",
                ])
        } catch {
            registry.withLock { $0.evictionFinished(nodeId, succeeded: false) }
            logger.warning("dead node cleanup interrupted; will retry", metadata: ["node": "\(nodeId)", "error": "\(error)"])
        }
    }

    func snapshot() -> ClusterSnapshot {
        let now = ContinuousClock.now
        let wallNow = Self.unixMilliseconds()
        let leader = lease.isLeader
        let up = isRedisUp
        return registry.withLock {
            $0.snapshot(coordinatorId: id, isLeader: leader, redisUp: up, now: now, wallNow: wallNow)
        }
    }

    /// Logs edges whose settings version differs from the stored one for longer than
    /// a change takes to reach them (heartbeats lag up to a second), and logs again
    /// once every edge is back in step.
    private func reportSettingsMismatches(_ snapshot: ClusterSnapshot) {
        let now = ContinuousClock.now
        let current = Dictionary(uniqueKeysWithValues: snapshot.settingsMismatches.map { ($0.id, $0.settingsVersion ?? -1) })
        let (report, cleared) = settingsMismatches.withLock { tracked -> ([String: Int64], Bool) in
            let wasReported = !tracked.reported.isEmpty
            tracked.since = tracked.since.filter { current[$0.key] != nil }
            for id in current.keys where tracked.since[id] == nil { tracked.since[id] = now }
            let lasting = current.filter { now - (tracked.since[$0.key] ?? now) >= Self.settingsMismatchGrace }
            defer { tracked.reported = lasting }
            return (lasting != tracked.reported ? lasting : [:], wasReported && current.isEmpty)
        }
        let stored = snapshot.storedSettingsVersion.map { "\($0)" } ?? "none"
        if !report.isEmpty {
            logger.warning(
                "edges enforce another settings version than the stored one",
                metadata: [
                    "stored": "\(stored)",
                    "edges": "\(report.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","))",
                ])
        } else if cleared {
            logger.notice("every edge enforces the stored settings", metadata: ["version": "\(stored)"])
        }
    }

    static let settingsMismatchGrace: Duration = .seconds(2)

    var historyJSON: JSONValue { history.withLock { $0.json } }

    func shutdown() async {
        await lease.release()
        await redis.close()
    }

    static func unixMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}

/// The coordinator's memory of settings mismatches, for logging each change once.
struct SettingsMismatchLog {
    var since: [String: ContinuousClock.Instant] = [:]
    var reported: [String: Int64] = [:]
}
