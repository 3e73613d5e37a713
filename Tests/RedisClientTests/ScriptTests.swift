import RedisClient
import RedisTestSupport
import Testing

@Suite("Lua scripts", .timeLimit(.minutes(1)))
struct ScriptTests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        (
            "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        ),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func sha1MatchesKnownVectors(input: String, digest: String) {
        #expect(RedisScript(input).sha1 == digest)
    }

    @Test func sha1MatchesWhatRedisComputes() async throws {
        try await withRedisServer { server in
            let connection = try await TestSupport.connect(server.configuration)
            // Lengths around the 55/56/64-byte padding boundaries, plus UTF-8.
            for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1_000] {
                let source = "return '" + String(repeating: "é", count: length / 2) + String(repeating: "z", count: length) + "'"
                let loaded = try await connection.send(RedisCommand("SCRIPT", "LOAD", .string(source)))
                #expect(loaded.string == RedisScript(source).sha1)
            }
            await connection.close()
        }
    }

    @Test func evalSHAFallsBackToLoadingOnNoScript() async throws {
        try await withRedisServer { server in
            let pool = RedisConnectionPool(
                configuration: server.configuration,
                size: 2,
                eventLoopGroup: TestSupport.group,
                logger: TestSupport.logger
            )
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")

            // Never loaded: NOSCRIPT, load, retry.
            #expect(try await pool.run(script, keys: ["counter"], args: [5]) == .integer(5))
            let exists = try await pool.send(RedisCommand("SCRIPT", "EXISTS", .string(script.sha1)))
            #expect(exists == .array([.integer(1)]))
            #expect(try await pool.run(script, keys: ["counter"], args: [2]) == .integer(7))

            _ = try await pool.send(RedisCommand("SCRIPT", "FLUSH"))
            #expect(try await pool.run(script, keys: ["counter"], args: [3]) == .integer(10))

            // A failing script is an error, not a retry loop.
            let failing = RedisScript("return redis.error_reply('custom failure')")
            await #expect(throws: RedisError.server("custom failure")) {
                try await pool.run(failing, keys: [], args: [])
            }
            await pool.close()
        }
    }

    @Test func scriptsAreReloadedAfterAServerRestart() async throws {
        try await withRedisServer { server in
            let pool = RedisConnectionPool(
                configuration: server.configuration,
                size: 1,
                eventLoopGroup: TestSupport.group,
                logger: TestSupport.logger
            )
            let script = RedisScript("return ARGV[1] .. '!'")
            #expect(try await pool.run(script, keys: [], args: ["one"]).string == "one!")

            // A restarted server has an empty script cache.
            try server.restart()
            let reloaded = await TestSupport.eventually {
                (try? await pool.run(script, keys: [], args: ["two"]))?.string == "two!"
            }
            #expect(reloaded)
            await pool.close()
        }
    }
}
