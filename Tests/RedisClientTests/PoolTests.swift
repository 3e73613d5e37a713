import NIOCore
import RedisClient
import RedisTestSupport
import Testing

@Suite("Connection pool", .timeLimit(.minutes(1)))
struct PoolTests {
    private func makePool(_ server: RedisServer, size: Int = 4) -> RedisConnectionPool {
        RedisConnectionPool(
            configuration: server.configuration,
            size: size,
            eventLoopGroup: TestSupport.group,
            logger: TestSupport.logger
        )
    }

    @Test func spreadsCommandsOverItsConnections() async throws {
        try await withRedisServer { server in
            let pool = self.makePool(server)
            let total = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<2_000 {
                    group.addTask {
                        _ = try await pool.send(RedisCommand("SET", .string("key\(index)"), .int(index)))
                        return try #require(try await pool.send(RedisCommand("GET", .string("key\(index)"))).int)
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(total == Int64((0..<2_000).reduce(0, +)))

            // Round-robin: consecutive commands use all four connections.
            var clientIDs: Set<Int64> = []
            for _ in 0..<8 {
                clientIDs.insert(try #require(try await pool.send(RedisCommand("CLIENT", "ID")).int))
            }
            #expect(clientIDs.count == 4)

            let replies = try await pool.pipeline([RedisCommand("INCR", "p"), RedisCommand("INCR", "p"), RedisCommand("NOPE")])
            #expect(replies[0] == .integer(1))
            #expect(replies[1] == .integer(2))
            #expect(replies[2].errorMessage != nil)

            await pool.close()
            await #expect(throws: RedisError.notConnected) {
                try await pool.send(RedisCommand("PING"))
            }
        }
    }

    @Test func failsFastWhileRedisIsDownAndRecoversAfterRestart() async throws {
        try await withRedisServer { server in
            let pool = self.makePool(server, size: 2)
            _ = try await pool.send(RedisCommand("SET", "before", "1"))

            server.stop()
            // Every call fails quickly with a RedisError instead of hanging.
            for _ in 0..<20 {
                let started = ContinuousClock.now
                do {
                    _ = try await pool.send(RedisCommand("PING"))
                    Issue.record("PING succeeded while Redis was down")
                } catch let error as RedisError {
                    #expect(error == .notConnected || error == .connectionClosed)
                }
                // Well under the 2 s connect and 5 s command timeouts: nothing
                // waited for a timeout to expire.
                #expect(ContinuousClock.now - started < .seconds(1))
            }

            try server.start()
            let recovered = await TestSupport.eventually(timeout: .seconds(5)) {
                (try? await pool.send(RedisCommand("PING"))) == .simpleString("PONG")
            }
            #expect(recovered)
            // A fresh server: the old data is gone, new commands work on
            // every connection of the pool.
            #expect(try await pool.send(RedisCommand("GET", "before")).isNull)
            for _ in 0..<4 {
                #expect(try await pool.send(RedisCommand("INCR", "after")).int != nil)
            }
            await pool.close()
        }
    }

    @Test func failsWithNotConnectedWhenRedisNeverCameUp() async throws {
        try await withUnusedPort { port in
            let pool = RedisConnectionPool(
                configuration: RedisConfiguration(port: port),
                eventLoopGroup: TestSupport.group,
                logger: TestSupport.logger
            )
            for _ in 0..<5 {
                await #expect(throws: RedisError.notConnected) {
                    try await pool.send(RedisCommand("PING"))
                }
            }
            await pool.close()
        }
    }
}
