import Logging
import NIOCore
import NIOPosix
import RedisClient

/// The first contact with Redis when a process starts, so that a wrong password, a
/// missing CA or an unknown host is one clear message within seconds (never a
/// misleading timeout after retries).
enum RedisStartupCheck {
    /// Succeeds once Redis answers. An unreachable Redis is retried until `patience`
    /// has passed (it may be starting next to us); a refusal (password, ACL, TLS) is
    /// thrown at once, since retrying cannot fix it.
    static func run(
        _ configuration: RedisConfiguration, patience: Duration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws(RedisConnectError) {
        let deadline = ContinuousClock.now + patience
        while true {
            do {
                try await checkOnce(configuration, logger: logger, eventLoop: eventLoopGroup.next())
                return
            } catch {
                guard case .unreachable = error, ContinuousClock.now < deadline else { throw error }
                logger.debug("Redis not reachable yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// One attempt; for a Redis Cluster, the seeds in turn until one answers (a dead
    /// seed, e.g. a failed-over master, must not keep a process from starting).
    private static func checkOnce(
        _ configuration: RedisConfiguration, logger: Logger, eventLoop: any EventLoop
    ) async throws(RedisConnectError) {
        guard let seeds = configuration.clusterSeeds, seeds.count > 1 else {
            return try await RedisConnection.check(configuration: configuration, eventLoop: eventLoop, logger: logger)
        }
        var unreachable: RedisConnectError?
        for seed in seeds {
            var node = configuration
            node.host = seed.host
            node.port = seed.port
            do {
                return try await RedisConnection.check(configuration: node, eventLoop: eventLoop, logger: logger)
            } catch {
                guard case .unreachable = error else { throw error }
                unreachable = error
            }
        }
        if let unreachable { throw unreachable }
    }
}
