import RedisTestSupport
import Synchronization
import Testing

/// The backends every contract test runs against.
enum BackendKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// `Backend.memory()`: one node, deliveries handed straight back.
    case memory
    /// `Backend.redis(url:nodeId:logger:)` on the suite's shared redis-server.
    case redis

    var testDescription: String { rawValue }

    // MARK: The documented differences, kept in one place

    /// Redis delivers only topics this edge has `acquire`d (pub/sub); memory hands
    /// every publish back, acquired or not (the edge filters by local interest).
    var deliversOnlyAcquiredTopics: Bool { self == .redis }

    /// The order of `members(of:)`. Not part of the `PresenceStore` contract (the
    /// contract is the set of members): memory lists in join order, Redis by id.
    func listingOrder(joinOrder ids: [String]) -> [String] {
        switch self {
        case .memory: ids
        case .redis: ids.sorted()
        }
    }
}

/// One `redis-server` for the whole suite, started on first use by a Redis case and
/// killed when the suite ends (whether its tests pass, fail or throw). Each Redis
/// case flushes it before starting its backend (see `withEdge`).
struct SharedRedisServer: SuiteTrait, TestScoping {
    /// The server of the running suite, once started.
    final class Slot: Sendable {
        private let server = Mutex<RedisServer?>(nil)

        func get() throws -> RedisServer {
            try server.withLock { server in
                if let server { return server }
                let started = try RedisServer.start()
                server = started
                return started
            }
        }

        func stop() {
            server.withLock { $0 }?.stop()
        }
    }

    @TaskLocal static var slot: Slot?

    /// The running suite's server (started now if needed).
    static func server() throws -> RedisServer {
        let slot = try #require(slot, "the suite must carry the .sharedRedisServer trait")
        return try slot.get()
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let slot = Slot()
        defer { slot.stop() }
        try await Self.$slot.withValue(slot) {
            try await function()
        }
    }
}

extension Trait where Self == SharedRedisServer {
    /// One redis-server for the suite, killed at its end.
    static var sharedRedisServer: Self { Self() }
}
