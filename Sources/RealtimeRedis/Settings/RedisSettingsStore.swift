import Foundation
import Logging
import NIOPosix
import RealtimeCore
import RedisClient

/// The cluster's settings as one JSON string (`rt:settings`) with its `version`; a
/// change is versioned, stored and announced on the control topic by one script.
public final class RedisSettingsStore: SettingsStore {
    private let pool: RedisConnectionPool
    /// Set when this store made its own pool (the CLI), which `close` then ends.
    private let ownsPool: Bool
    private let configuration: RedisConfiguration?
    private let logger: Logger?

    init(pool: RedisConnectionPool) {
        self.pool = pool
        self.ownsPool = false
        self.configuration = nil
        self.logger = nil
    }

    /// A store on its own connection, for tools that only read or write settings.
    public init(_ options: RedisOptions, logger: Logger) throws {
        let configuration = try options.configuration()
        self.pool = RedisConnectionPool(
            configuration: configuration, size: 1, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        self.ownsPool = true
        self.configuration = configuration
        self.logger = logger
    }

    /// For tools: fails with the reason when Redis cannot be used (within seconds).
    public func check() async throws {
        guard let configuration, let logger else { return }
        try await RedisStartupCheck.run(configuration, patience: .seconds(2), logger: logger)
    }

    private var keys: RedisKeyspace { RedisKeyspace(for: pool) }

    public func close() async {
        if ownsPool { await pool.close() }
    }

    public func load() async throws -> RealtimeSettings? {
        let reply = try await pool.send(RedisCommand("GET", .string(keys.settings)))
        guard case .bulkString(let buffer?) = reply else { return nil }
        return try SettingsCoding.decode(Data(buffer.readableBytesView))
    }

    /// `SET NX`: a seed never replaces stored settings, whatever their version.
    public func seed(_ settings: RealtimeSettings) async throws -> RealtimeSettings {
        let seed = settings.withVersion(0)
        _ = try await pool.send(RedisCommand("SET", .string(keys.settings), .bytes(Array(SettingsCoding.encode(seed))), "NX"))
        return try await load() ?? seed
    }

    public func store(_ settings: RealtimeSettings, above floor: Int64) async throws -> RealtimeSettings {
        let body = Array(SettingsCoding.encode(settings, includingVersion: false))
        let reply = try await pool.run(
            SettingsScripts.store, keys: [.string(keys.settings), .string(keys.controlTopic)],
            args: [.bytes(body), .int(Int(floor))])
        guard let stored = reply.buffer else { throw RedisError.protocolError("settings script answered \(reply)") }
        return try SettingsCoding.decode(Data(stored.readableBytesView))
    }

    public func restore(_ enforced: RealtimeSettings) async throws -> SettingsRestore {
        let reply = try await pool.run(
            SettingsScripts.restore, keys: [.string(keys.settings), .string(keys.controlTopic)],
            args: [.bytes(Array(SettingsCoding.encode(enforced))), .int(Int(enforced.version))])
        if let stored = reply.buffer {
            return .newer(try SettingsCoding.decode(Data(stored.readableBytesView)))
        }
        return reply.int == 1 ? .wroteBack : .inAgreement
    }
}
