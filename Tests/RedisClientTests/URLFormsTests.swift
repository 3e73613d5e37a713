import Logging
import NIOPosix
import RedisTestSupport
import Testing

@testable import RedisClient

/// The URL forms of SPEC §7 and the promise that no password shows up in errors.
@Suite struct URLFormsTests {
    @Test(arguments: [
        ("redis://rt:hunter2@10.0.0.1:6379/0", "redis://rt:***@10.0.0.1:6379/0"),
        ("redis://:hunter2@h", "redis://:***@h"),
        ("rediss://user@h:6380", "rediss://user@h:6380"),
        ("redis://h:6379", "redis://h:6379"),
        ("redis-sentinel://:hunter2@a:26379,b:26379/mymaster", "redis-sentinel://:***@a:26379,b:26379/mymaster"),
        ("redis://u:p@ss@h", "redis://u:***@h"),
        ("hunter2", "***"),
    ])
    func redactsPasswords(_ url: String, _ shown: String) {
        #expect(RedisURLRedaction.redact(url) == shown)
    }

    @Test(arguments: [
        "http://user:hunter2@h", "redis://user:hunter2@h?db=1", "redis://user:hunter2@h#x",
        "redis-sentinel://user:hunter2@a:1", "redis-sentinel://user:hunter2@a:x/m",
    ])
    func errorsNeverEchoThePassword(_ url: String) {
        do {
            _ = try RedisConfiguration(url: url)
            Issue.record("\(url) was accepted")
        } catch {
            #expect(!"\(error)".contains("hunter2"), "\(error)")
        }
    }

    @Test func redissMeansTLSWithTheSystemTrustStore() throws {
        let configuration = try RedisConfiguration(url: "rediss://app:pw@cache.example.com:6380")
        #expect(configuration.tls != nil)
        #expect(configuration.host == "cache.example.com" && configuration.port == 6380)
        #expect(configuration.username == "app" && configuration.password == "pw")
        #expect(try RedisConfiguration(url: "redis://h").tls == nil)
    }

    @Test func tlsFilesNeedATLSURLAndMustExist() {
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "redis://h", tlsCAFile: "/etc/hostname") }
        #expect { try RedisConfiguration(url: "rediss://h", tlsCAFile: "/nonexistent/ca.pem") } throws: { error in
            guard case .tls(let message) = error as? RedisError else { return false }
            return message.contains("/nonexistent/ca.pem")
        }
        #expect(throws: RedisError.self) { try RedisConfiguration(url: "rediss://h", tlsCertificateFile: "/nonexistent/c.pem") }
    }

    @Test func sentinelURLNamesSentinelsAndMaster() throws {
        let configuration = try RedisConfiguration(
            url: "redis-sentinel://rt:pw@10.0.0.1:26379,10.0.0.2,[::1]:5000/mymaster", sentinelPassword: "sentinel-pw")
        let resolver = try #require(configuration.endpointResolver as? RedisSentinelResolver)
        #expect(resolver.masterName == "mymaster")
        #expect(
            resolver.sentinels == [
                RedisEndpoint(host: "10.0.0.1", port: 26379), RedisEndpoint(host: "10.0.0.2", port: 26379),
                RedisEndpoint(host: "::1", port: 5000),
            ])
        #expect(resolver.sentinelConfiguration.password == "sentinel-pw")
        #expect(configuration.username == "rt" && configuration.password == "pw" && configuration.tls == nil)
        #expect(!configuration.endpointDescription.contains("pw"))
        #expect(try RedisConfiguration(url: "rediss-sentinel://s:1/m").tls != nil)
    }
}

/// How a refusal during the first contact is worded (RedisConnection.check).
@Suite struct ConnectErrorTests {
    @Test(arguments: [
        ("WRONGPASS invalid username-password pair or user is disabled.", true),
        ("NOAUTH Authentication required.", true),
        ("ERR AUTH <password> called without any password configured for the default user.", true),
        ("NOPERM this user has no permissions to run the 'subscribe' command", false),
        ("ERR DB index is out of range", false),
    ])
    func classifiesHandshakeReplies(_ reply: String, _ isAuthentication: Bool) {
        let error = RedisConnectError.handshakeReply(reply, endpoint: "10.0.0.1:6379")
        if case .authenticationFailed = error {
            #expect(isAuthentication)
            #expect("\(error)" == "Redis at 10.0.0.1:6379 refused the password: \(reply)")
        } else {
            #expect(!isAuthentication)
            #expect("\(error)".hasPrefix("Redis at 10.0.0.1:6379 refused a command: "))
        }
    }

    @Test func aWrongPasswordIsAClearErrorFromTheCheck() async throws {
        try await withRedisServer(arguments: ["--requirepass", "s3cret"]) { server in
            var configuration = server.configuration
            configuration.password = "wrong-password"
            await #expect {
                try await RedisConnection.check(
                    configuration: configuration, eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
                    logger: Logger(label: "test"))
            } throws: { error in
                guard case .authenticationFailed(_, let reply) = error as? RedisConnectError else { return false }
                return reply.hasPrefix("WRONGPASS") && !"\(error)".contains("wrong-password")
            }
        }
    }
}
