import RealtimeCore
import RedisClient

/// How a process reaches Redis, as its operator gave it (SPEC §7): the URL and the
/// files and secrets that do not fit in one. Edge, coordinator and `realtime config`
/// all take the same options.
public struct RedisOptions: Sendable {
    public var url: String
    /// PEM trust roots for `rediss://`; nil trusts the system's store.
    public var tlsCAFile: String?
    /// Client certificate and key (PEM) for servers that ask for one.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// The sentinels' own password (`redis-sentinel://`); the URL's is the master's.
    public var sentinelPassword: String?

    public init(
        url: String, tlsCAFile: String? = nil, tlsCertificateFile: String? = nil, tlsKeyFile: String? = nil,
        sentinelPassword: String? = nil
    ) {
        self.url = url
        self.sentinelPassword = sentinelPassword
        self.tlsCAFile = tlsCAFile
        self.tlsCertificateFile = tlsCertificateFile
        self.tlsKeyFile = tlsKeyFile
    }

    /// The URL fit for logs and error messages: the password is `***`.
    public var redactedURL: String {
        RedisURLRedaction.redact(url)
    }

    func configuration() throws(RedisError) -> RedisConfiguration {
        var configuration = try RedisConfiguration(
            url: url, tlsCAFile: tlsCAFile, tlsCertificateFile: tlsCertificateFile, tlsKeyFile: tlsKeyFile,
            sentinelPassword: sentinelPassword)
        configuration.roundTripObserver = { ProcessLatencies.backendRoundTrip.observe($0) }
        return configuration
    }
}
