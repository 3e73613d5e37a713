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
                try await RedisConnection.check(configuration: configuration, eventLoop: eventLoopGroup.next(), logger: logger)
                return
            } catch {
                guard case .unreachable = error, ContinuousClock.now < deadline else { throw error }
                logger.debug("Redis not reachable yet", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
