/// `redis-sentinel://[[user]:password@]host:port[,host:port…]/MASTER_NAME`, and
/// `rediss-sentinel://` for TLS to the sentinels and the master alike. The
/// credentials are the master's; the sentinels' own password is passed apart.
enum RedisSentinelURL {
    static func matches(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("redis-sentinel://") || lowered.hasPrefix("rediss-sentinel://")
    }

    static func configuration(
        _ url: String, tlsCAFile: String?, tlsCertificateFile: String?, tlsKeyFile: String?, sentinelPassword: String?
    ) throws(RedisError) -> RedisConfiguration {
        let tls = url.lowercased().hasPrefix("rediss-sentinel://")
        let rest = url.drop { $0 != "/" }.dropFirst(2)
        guard let slash = rest.firstIndex(of: "/") else {
            throw .invalidURL("a Sentinel URL ends with /MASTER_NAME: \(RedisURLRedaction.redact(url))")
        }
        let masterName = String(rest[rest.index(after: slash)...])
        guard !masterName.isEmpty, !masterName.contains("/"), !masterName.contains("?") else {
            throw .invalidURL("a Sentinel URL ends with /MASTER_NAME: \(RedisURLRedaction.redact(url))")
        }
        let (username, password, sentinels) = try RedisURLParser.parseNodeList(rest[..<slash], defaultPort: 26379)
        guard let first = sentinels.first else { throw .invalidURL("a Sentinel URL names at least one sentinel") }

        var configuration = RedisConfiguration()
        configuration.username = username
        configuration.password = password
        if tls {
            configuration.tls = try RedisTLS(caFile: tlsCAFile, certificateFile: tlsCertificateFile, keyFile: tlsKeyFile)
        } else if tlsCAFile != nil || tlsCertificateFile != nil || tlsKeyFile != nil {
            throw .invalidURL("TLS files were given for a redis-sentinel:// URL; use rediss-sentinel:// for TLS")
        }
        var sentinel = RedisConfiguration()
        sentinel.password = sentinelPassword
        sentinel.tls = configuration.tls
        sentinel.connectTimeout = .seconds(1)
        sentinel.commandTimeout = .seconds(2)
        configuration.endpointResolver = RedisSentinelResolver(
            sentinels: sentinels, masterName: masterName, sentinelConfiguration: sentinel)
        configuration.host = first.host
        configuration.port = first.port
        return configuration
    }
}
