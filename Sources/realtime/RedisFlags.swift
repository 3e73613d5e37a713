import ArgumentParser
import RealtimeRedis

/// The Redis flags every process that talks to Redis shares (edge, coordinator,
/// `realtime config`), each with its REALTIME_* environment fallback.
struct RedisFlags: ParsableArguments {
    @Option(
        help:
            "Redis URL: redis://[[user]:password@]host[:port][/db], rediss:// for TLS, redis-sentinel://[[user]:password@]host:port[,host:port…]/MASTER_NAME, redis-cluster://[[user]:password@]host:port[,host:port…] (REALTIME_REDIS)."
    )
    var redis: String?
    @Option(
        name: .customLong("redis-tls-ca"),
        help: "PEM file of the CAs to trust for rediss:// (REALTIME_REDIS_TLS_CA; default: the system's).")
    var tlsCA: String?
    @Option(name: .customLong("redis-tls-cert"), help: "PEM client certificate for rediss:// (REALTIME_REDIS_TLS_CERT).")
    var tlsCert: String?
    @Option(name: .customLong("redis-tls-key"), help: "PEM key of the client certificate (REALTIME_REDIS_TLS_KEY).")
    var tlsKey: String?

    /// The options, or nil when neither the flag nor the environment names a Redis.
    func options(defaultURL: String? = nil) -> RedisOptions? {
        guard let url = redis ?? Env.value("REALTIME_REDIS") ?? defaultURL else { return nil }
        return RedisOptions(
            url: url,
            tlsCAFile: tlsCA ?? Env.value("REALTIME_REDIS_TLS_CA"),
            tlsCertificateFile: tlsCert ?? Env.value("REALTIME_REDIS_TLS_CERT"),
            tlsKeyFile: tlsKey ?? Env.value("REALTIME_REDIS_TLS_KEY"),
            // Only from the environment, like a secret should be (SPEC §7).
            sentinelPassword: Env.value("REALTIME_REDIS_SENTINEL_PASSWORD"))
    }
}
