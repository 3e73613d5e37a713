import NIOCore
import RedisClient
import RedisTestSupport
import Testing

/// Many commands in flight on one connection must each get their own reply.
@Suite("Pipelining", .timeLimit(.minutes(1)))
struct PipeliningTests {
    @Test func tenThousandConcurrentIncrementsOnOneConnection() async throws {
        try await withRedisServer { server in
            let connection = try await TestSupport.connect(server.configuration)
            let tasks = 100
            let perTask = 100

            // Each task awaits its INCRs one by one, so each task must see
            // strictly increasing values while 100 tasks interleave.
            let results = try await withThrowingTaskGroup(of: [Int64].self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        var seen: [Int64] = []
                        for _ in 0..<perTask {
                            let reply = try await connection.send(RedisCommand("INCR", "counter"))
                            seen.append(try #require(reply.int))
                        }
                        return seen
                    }
                }
                var all: [[Int64]] = []
                for try await seen in group {
                    all.append(seen)
                }
                return all
            }

            for seen in results {
                #expect(seen == seen.sorted())
            }
            let flattened = results.flatMap { $0 }.sorted()
            #expect(flattened == Array(1...Int64(tasks * perTask)))
            #expect(try await connection.send(RedisCommand("GET", "counter")).int == Int64(tasks * perTask))
            await connection.close()
        }
    }

    @Test func concurrentRepliesReachTheirOwnCallers() async throws {
        try await withRedisServer { server in
            let connection = try await TestSupport.connect(server.configuration)
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<5_000 {
                    group.addTask {
                        let payload = "payload-\(index)-" + String(repeating: "x", count: index % 97)
                        let reply = try await connection.send(RedisCommand("ECHO", .string(payload)))
                        return reply.string == payload ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
            await connection.close()
        }
    }

    @Test func pipelineReturnsRepliesInOrder() async throws {
        try await withRedisServer { server in
            let connection = try await TestSupport.connect(server.configuration)
            var commands: [RedisCommand] = []
            for index in 0..<1_000 {
                commands.append(RedisCommand("RPUSH", "list", .int(index)))
            }
            commands.append(RedisCommand("LRANGE", "list", 0, -1))
            let replies = try await connection.pipeline(commands)

            #expect(replies.count == 1_001)
            #expect(replies.prefix(1_000).map(\.int) == (1...1_000).map { Int64($0) })
            #expect(replies.last?.array?.compactMap(\.int) == (0..<1_000).map { Int64($0) })
            #expect(try await connection.pipeline([]) == [])
            await connection.close()
        }
    }

    @Test func stalledCommandTimesOutAndClosesTheConnection() async throws {
        try await withRedisServer { server in
            var configuration = server.configuration
            configuration.commandTimeout = .milliseconds(300)
            let connection = try await TestSupport.connect(configuration)

            let started = ContinuousClock.now
            await #expect(throws: RedisError.timeout) {
                try await connection.send(RedisCommand("BLPOP", "nothing", 5))
            }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(await TestSupport.eventually(timeout: .seconds(2)) { !connection.isActive })
            await #expect(throws: RedisError.notConnected) {
                try await connection.send(RedisCommand("PING"))
            }
        }
    }

    @Test func closingFailsCommandsInFlight() async throws {
        try await withRedisServer { server in
            let connection = try await TestSupport.connect(server.configuration)
            let blocked = Task {
                try await connection.send(RedisCommand("BLPOP", "nothing", 5))
            }
            try await Task.sleep(for: .milliseconds(100))
            await connection.close()
            await #expect(throws: RedisError.connectionClosed) {
                try await blocked.value
            }
            #expect(!connection.isActive)
            await #expect(throws: RedisError.notConnected) {
                try await connection.send(RedisCommand("PING"))
            }
        }
    }

    @Test func unreachableServerThrowsNotConnected() async throws {
        try await withUnusedPort { port in
            await #expect(throws: RedisError.notConnected) {
                try await TestSupport.connect(RedisConfiguration(port: port))
            }
        }
    }
}
