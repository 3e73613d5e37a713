import RedisClient
import RedisTestSupport
import Testing

@Suite("Configuration and authentication", .timeLimit(.minutes(1)))
struct ConfigurationTests {
    @Test func parsesMinimalURL() throws {
        let configuration = try RedisConfiguration(url: "redis://cache.internal")
        #expect(configuration.host == "cache.internal")
        #expect(configuration.port == 6379)
        #expect(configuration.password == nil)
        #expect(configuration.username == nil)
        #expect(configuration.database == 0)
        #expect(configuration.commandTimeout == .seconds(5))
    }

    @Test func parsesPasswordPortAndDatabase() throws {
        let configuration = try RedisConfiguration(url: "redis://:s3cret@10.1.2.3:6380/7")
        #expect(configuration.host == "10.1.2.3")
        #expect(configuration.port == 6380)
        #expect(configuration.password == "s3cret")
        #expect(configuration.username == nil)
        #expect(configuration.database == 7)
    }

    @Test func parsesUserEncodedPasswordAndIPv6() throws {
        let configuration = try RedisConfiguration(url: "REDIS://app:p%40ss%3Aw0rd@[::1]:7000/")
        #expect(configuration.host == "::1")
        #expect(configuration.port == 7000)
        #expect(configuration.username == "app")
        #expect(configuration.password == "p@ss:w0rd")
        #expect(configuration.database == 0)
    }

    @Test(arguments: [
        "http://localhost", "localhost:6379", "redis://", "redis://host:abc", "redis://host:0",
        "redis://host:70000", "redis://host/db1", "redis://host/-1", "redis://host?timeout=1",
        "redis://[::1", "redis://:pw@", "redis://:p%4@host",
    ])
    func rejectsInvalidURLs(_ url: String) {
        #expect {
            try RedisConfiguration(url: url)
        } throws: { error in
            guard case .invalidURL = error as? RedisError else {
                return false
            }
            return true
        }
    }

    @Test func authenticatesAndSelectsTheDatabaseFromTheURL() async throws {
        try await withRedisServer(arguments: ["--requirepass", "s3cret"]) { server in
            let url = "redis://:s3cret@127.0.0.1:\(server.port)/2"
            let connection = try await TestSupport.connect(try RedisConfiguration(url: url))
            _ = try await connection.send(RedisCommand("SET", "where", "db2"))
            #expect(try await connection.send(RedisCommand("CLIENT", "INFO")).string?.contains("db=2") == true)
            await connection.close()

            // The key landed in database 2, not 0.
            let database0 = try await TestSupport.connect(try RedisConfiguration(url: "redis://default:s3cret@127.0.0.1:\(server.port)"))
            #expect(try await database0.send(RedisCommand("GET", "where")).isNull)
            _ = try await database0.send(RedisCommand("SELECT", 2))
            #expect(try await database0.send(RedisCommand("GET", "where")).string == "db2")
            await database0.close()
        }
    }

    @Test func rejectsWrongOrMissingPassword() async throws {
        try await withRedisServer(arguments: ["--requirepass", "s3cret"]) { server in
            var wrong = server.configuration
            wrong.password = "nope"
            do {
                _ = try await TestSupport.connect(wrong)
                Issue.record("AUTH with a wrong password must fail")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("WRONGPASS"))
            }

            let anonymous = try await TestSupport.connect(server.configuration)
            do {
                _ = try await anonymous.send(RedisCommand("GET", "k"))
                Issue.record("commands without AUTH must fail")
            } catch RedisError.server(let message) {
                #expect(message.hasPrefix("NOAUTH"))
            }
            await anonymous.close()
        }
    }
}
