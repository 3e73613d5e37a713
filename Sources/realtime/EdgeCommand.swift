import ArgumentParser
import Foundation
import Logging
import RealtimeCore
import RealtimeEdge
import RealtimeRedis

struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Serve Socket.IO clients and the server API (in-memory backend unless --redis is given).")

    @Option(help: "Listen port (REALTIME_PORT).") var port: Int?
    @Option(help: "Listen address (REALTIME_HOST).") var host: String?
    @OptionGroup var redis: RedisFlags
    @Option(name: .customLong("node-id"), help: "This node's id (REALTIME_NODE_ID).") var nodeId: String?
    @Option(name: .customLong("advertise"), help: "URL other processes use to reach this edge (REALTIME_ADVERTISE).") var advertise: String?
    @Option(name: .customLong("master-key"), help: "Server API key (REALTIME_MASTER_KEY).") var masterKey: String?
    @Option(name: .customLong("jwt-secret"), help: "HS256 secret for session tokens (REALTIME_JWT_SECRET).") var jwtSecret: String?
    @Option(help: "JSON settings file used to seed the settings (REALTIME_SETTINGS).") var settings: String?
    @Option(name: .customLong("ping-interval"), help: "Engine.IO ping interval in ms (REALTIME_PING_INTERVAL).") var pingInterval: Int?
    @Option(name: .customLong("ping-timeout"), help: "Engine.IO ping timeout in ms (REALTIME_PING_TIMEOUT).") var pingTimeout: Int?
    @Option(
        name: .customLong("trusted-proxy"),
        help: "Address or IPv4 CIDR range whose X-Forwarded-For is trusted; repeatable (REALTIME_TRUSTED_PROXIES, comma separated).")
    var trustedProxies: [String] = []
    @Option(
        name: .customLong("drain-delay"),
        help: "On SIGTERM, ms of /health 503 before clients are sent away (REALTIME_DRAIN_DELAY, default 2000).") var drainDelay: Int?
    @Option(
        name: .customLong("max-connections"),
        help: "Most WebSocket connections open at once; more get HTTP 503 (REALTIME_MAX_CONNECTIONS, default: no cap).") var maxConnections:
        Int?
    @Option(
        name: .customLong("max-connect-rate"),
        help:
            "Most new WebSocket connections per second, bursting to as many; more get HTTP 503 (REALTIME_MAX_CONNECT_RATE, default: no cap)."
    ) var maxConnectRate: Int?
    @Option(help: "Listen backlog, capped by net.core.somaxconn (REALTIME_BACKLOG, default 4096).") var backlog: Int?
    @Option(
        name: .customLong("drain-timeout"),
        help: "Seconds after SIGTERM within which the process exits whatever its clients do (REALTIME_DRAIN_TIMEOUT, default 30).")
    var drainTimeout: Double?
    @Option(
        name: .customLong("request-timeout"),
        help: "Seconds a connection may take to send a complete request head before it is closed (REALTIME_REQUEST_TIMEOUT, default 10).")
    var requestTimeout: Double?
    @Option(
        name: .customLong("keep-alive-timeout"),
        help: "Seconds a kept-alive HTTP connection may idle between requests (REALTIME_KEEP_ALIVE_TIMEOUT, default 60).")
    var keepAliveTimeout: Double?
    @Flag(help: "Serve the demo chat page at /demo/ (REALTIME_DEMO=1).") var demo = false
    @OptionGroup var logging: LoggingFlags

    func run() async throws {
        var config = EdgeConfiguration()
        config.nodeId = nodeId ?? Env.value("REALTIME_NODE_ID") ?? EdgeConfiguration.defaultNodeId()
        let logger = try logging.bootstrap(label: "realtime.edge", node: config.nodeId)
        raiseOpenFileLimit(logger: logger)
        config.port = port ?? Env.int("REALTIME_PORT") ?? 8080
        config.host = host ?? Env.value("REALTIME_HOST") ?? "127.0.0.1"
        let redisOptions = redis.options()
        config.redisURL = redisOptions?.redactedURL
        config.advertisedAddress = advertise ?? Env.value("REALTIME_ADVERTISE")
        config.masterKey = masterKey ?? Env.value("REALTIME_MASTER_KEY")
        config.jwtSecret = jwtSecret ?? Env.value("REALTIME_JWT_SECRET")
        try PlaceholderSecrets.refuse(
            [("--master-key (REALTIME_MASTER_KEY)", config.masterKey), ("--jwt-secret (REALTIME_JWT_SECRET)", config.jwtSecret)]
                + redis.secrets)
        if let secret = config.jwtSecret, secret.utf8.count < SessionVerifier.minimumSecretBytes {
            throw ValidationError("--jwt-secret must be at least \(SessionVerifier.minimumSecretBytes) bytes for HS256")
        }
        if let ms = pingInterval ?? Env.int("REALTIME_PING_INTERVAL") { config.pingInterval = .milliseconds(ms) }
        if let ms = pingTimeout ?? Env.int("REALTIME_PING_TIMEOUT") { config.pingTimeout = .milliseconds(ms) }
        let proxies = trustedProxies + (Env.value("REALTIME_TRUSTED_PROXIES")?.split(separator: ",").map(String.init) ?? [])
        if !proxies.isEmpty { config.trustedProxies = TrustedProxies(proxies) }
        if let ms = drainDelay ?? Env.int("REALTIME_DRAIN_DELAY") { config.drainDelay = .milliseconds(max(0, ms)) }
        config.maxConnections = try positive(maxConnections ?? Env.int("REALTIME_MAX_CONNECTIONS"), "--max-connections")
        config.maxConnectRate = try positive(maxConnectRate ?? Env.int("REALTIME_MAX_CONNECT_RATE"), "--max-connect-rate")
        if let value = try positive(backlog ?? Env.int("REALTIME_BACKLOG"), "--backlog") { config.backlog = value }
        if let seconds = try positive(drainTimeout ?? Env.double("REALTIME_DRAIN_TIMEOUT"), "--drain-timeout") {
            config.drainTimeout = .seconds(seconds)
        }
        if let seconds = try positive(requestTimeout ?? Env.double("REALTIME_REQUEST_TIMEOUT"), "--request-timeout") {
            config.requestTimeout = .seconds(seconds)
        }
        if let seconds = try positive(keepAliveTimeout ?? Env.double("REALTIME_KEEP_ALIVE_TIMEOUT"), "--keep-alive-timeout") {
            config.keepAliveTimeout = .seconds(seconds)
        }
        config.demoEnabled = demo || Env.value("REALTIME_DEMO") == "1"
        if let path = settings ?? Env.value("REALTIME_SETTINGS") {
            config.initialSettings = try loadSettingsFile(path)
        }
        let backend = try makeBackend(config: config, redis: redisOptions, logger: logger)
        let node = await EdgeNode(configuration: config, backend: backend, logger: logger)
        try await node.run()
    }
}

private func positive<Number: Numeric & Comparable>(_ value: Number?, _ flag: String) throws -> Number? {
    guard let value else { return nil }
    guard value > 0 else { throw ValidationError("\(flag) must be a positive number") }
    return value
}

func loadSettingsFile(_ path: String) throws -> RealtimeSettings {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read settings file \(path)")
    }
    do {
        return try SettingsCoding.decodeValidated(data)
    } catch {
        throw ValidationError("settings file \(path): \(error.description)")
    }
}

func makeLogger(label: String, level: String?) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level.flatMap(Logger.Level.init(rawValue:)) ?? .info
    return logger
}
