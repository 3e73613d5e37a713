/// Where and how to connect. The same value configures single connections,
/// the pool and the subscriber.
public struct RedisConfiguration: Sendable, Equatable {
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

    /// Parses `redis://[[user]:password@]host[:port][/db]`.
    /// User and password may be percent-encoded; IPv6 hosts go in brackets.
    public init(url: String) throws(RedisError) {
        self.init()
        let parsed = try RedisURLParser.parse(url)
        self.host = parsed.host
        self.port = parsed.port ?? 6379
        self.username = parsed.username
        self.password = parsed.password
        self.database = parsed.database ?? 0
    }
}
