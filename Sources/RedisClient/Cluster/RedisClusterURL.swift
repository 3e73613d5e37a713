/// `redis-cluster://[[user]:password@]host:port[,host:port…]` (`rediss-cluster://`
/// for TLS): the seed nodes the topology is first asked of. The credentials and the
/// TLS settings apply to every node.
enum RedisClusterURL {
    static func matches(_ url: String) -> Bool {
        let lowered = url.lowercased()
        return lowered.hasPrefix("redis-cluster://") || lowered.hasPrefix("rediss-cluster://")
    }

    static func configuration(
        _ url: String, tlsCAFile: String?, tlsCertificateFile: String?, tlsKeyFile: String?
    ) throws(RedisError) -> RedisConfiguration {
        let tls = url.lowercased().hasPrefix("rediss-cluster://")
        var authority = url.drop { $0 != "/" }.dropFirst(2)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains("/"), !authority.contains("?"), !authority.contains("#") else {
            throw .invalidURL("a Redis Cluster URL names seed nodes only (no database, path or query): \(RedisURLRedaction.redact(url))")
        }
        let (username, password, seeds) = try RedisURLParser.parseNodeList(authority, defaultPort: 6379)
        guard let first = seeds.first else { throw .invalidURL("a Redis Cluster URL names at least one seed node") }

        var configuration = RedisConfiguration(host: first.host, port: first.port)
        configuration.username = username
        configuration.password = password
        configuration.clusterSeeds = seeds
        if tls {
            configuration.tls = try RedisTLS(caFile: tlsCAFile, certificateFile: tlsCertificateFile, keyFile: tlsKeyFile)
        } else if tlsCAFile != nil || tlsCertificateFile != nil || tlsKeyFile != nil {
            throw .invalidURL("TLS files were given for a redis-cluster:// URL; use rediss-cluster:// for TLS")
        }
        return configuration
    }
}
