/// Where and how to connect. The same value configures single connections,
/// the pool and the subscriber.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    /// ACL user (Redis 6+); only used together with a password.
    public var username: String?
    /// Selected with SELECT right after connecting (ignored by the subscriber:
    /// pub/sub channels are not scoped to a database).
    public var database: Int
    /// How long a command may wait for its reply before the connection is
    /// considered stalled and torn down.
    public var commandTimeout: Duration
    /// Upper bound for establishing the TCP connection.
    public var connectTimeout: Duration
    /// TLS for every connection (`rediss://`); nil for plain TCP.
    public var tls: RedisTLS?
    /// Asked for the address on every (re)connect instead of `host`/`port` (Sentinel).
    public var endpointResolver: (any RedisEndpointResolver)?
    /// Told how long each command waited for its reply (a latency histogram); nil: not timed.
    public var roundTripObserver: (@Sendable (Duration) -> Void)?
    /// Redis Cluster (`redis-cluster://`): the seed nodes; nil for one Redis.
    public var clusterSeeds: [RedisEndpoint]?

    /// True for a Redis Cluster: commands are routed by slot, channels use sharded pub/sub.
    public var isCluster: Bool { clusterSeeds != nil }

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        password: String? = nil,
        username: String? = nil,
        database: Int = 0,
        commandTimeout: Duration = .seconds(5),
        connectTimeout: Duration = .seconds(2)
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.username = username
        self.database = database
        self.commandTimeout = commandTimeout
        self.connectTimeout = connectTimeout
    }

    /// Parses `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS.
    /// User and password may be percent-encoded; IPv6 hosts go in brackets.
    /// - Parameters:
    ///   - tlsCAFile: PEM trust roots for `rediss://` (nil: the system's store).
    ///   - tlsCertificateFile, tlsKeyFile: an optional client certificate.
    public init(
        url: String, tlsCAFile: String? = nil, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil,
        sentinelPassword: String? = nil
    ) throws(RedisError) {
        if RedisSentinelURL.matches(url) {
            self = try RedisSentinelURL.configuration(
                url, tlsCAFile: tlsCAFile, tlsCertificateFile: tlsCertificateFile, tlsKeyFile: tlsKeyFile,
                sentinelPassword: sentinelPassword)
            return
        }
        if RedisClusterURL.matches(url) {
            self = try RedisClusterURL.configuration(
                url, tlsCAFile: tlsCAFile, tlsCertificateFile: tlsCertificateFile, tlsKeyFile: tlsKeyFile)
            return
        }
        self.init()
        let parsed = try RedisURLParser.parse(url)
        self.host = parsed.host
        self.port = parsed.port ?? 6379
        self.username = parsed.username
        self.password = parsed.password
        self.database = parsed.database ?? 0
        if parsed.tls {
            self.tls = try RedisTLS(caFile: tlsCAFile, certificateFile: tlsCertificateFile, keyFile: tlsKeyFile)
        } else if tlsCAFile != nil || tlsCertificateFile != nil || tlsKeyFile != nil {
            // Silently talking plain text when the operator asked for TLS files would be worse.
            throw .invalidURL("TLS files were given for a redis:// URL; use rediss:// for TLS")
        }
    }
}
