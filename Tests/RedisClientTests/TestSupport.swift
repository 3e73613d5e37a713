import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RedisClient
import RedisTestSupport

/// Shared fixtures: event loops, a quiet logger, and polling helpers for
/// things that happen asynchronously (messages, reconnects).
enum TestSupport {
    static var group: any EventLoopGroup {
        MultiThreadedEventLoopGroup.singleton
    }

    static var logger: Logger {
        var logger = Logger(label: "RedisClientTests")
        logger.logLevel = .critical
        return logger
    }

    static func connect(_ configuration: RedisConfiguration) async throws -> RedisConnection {
        try await RedisConnection.connect(configuration: configuration, eventLoop: group.next(), logger: logger)
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether
    /// it held, so the caller can `#expect` on it.
    static func eventually(
        timeout: Duration = .seconds(5),
        poll: Duration = .milliseconds(20),
        _ condition: () async throws -> Bool
    ) async rethrows -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() {
                return true
            }
            try? await Task.sleep(for: poll)
        }
        return try await condition()
    }
}

/// A thread-safe list of values reported by callbacks.
final class Recorder<Value: Sendable>: Sendable {
    private let values = NIOLockedValueBox<[Value]>([])

    func append(_ value: Value) {
        self.values.withLockedValue { $0.append(value) }
    }

    var all: [Value] {
        self.values.withLockedValue { $0 }
    }

    func removeAll() {
        self.values.withLockedValue { $0.removeAll() }
    }
}

extension ByteBuffer {
    static func bytes(_ bytes: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: bytes)
    }
}

/// A fresh server and one connection to it; both are gone afterwards.
@discardableResult
func withRedisConnection<Result>(_ body: (RedisConnection) async throws -> Result) async throws -> Result {
    try await withRedisServer { server in
        let connection = try await TestSupport.connect(server.configuration)
        do {
            let result = try await body(connection)
            await connection.close()
            return result
        } catch {
            await connection.close()
            throw error
        }
    }
}
