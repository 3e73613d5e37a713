import Foundation
import Logging
import NIOPosix
import RealtimeCore
import RedisClient

/// The cluster's settings as one JSON string (`rt:settings`); a change is stored and
/// announced on the control topic in one pipelined round trip.
public final class RedisSettingsStore: SettingsStore {
    private let pool: RedisConnectionPool
    /// Set when this store made its own pool (the CLI), which `close` then ends.
    private let ownsPool: Bool

    init(pool: RedisConnectionPool) {
        self.pool = pool
        self.ownsPool = false
    }

    /// A store on its own connection, for tools that only read or write settings.
    public init(url: String, logger: Logger) throws {
        self.pool = RedisConnectionPool(
            configuration: try RedisConfiguration(url: url), size: 1, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
        self.ownsPool = true
    }

    public func close() async {
        if ownsPool { await pool.close() }
    }

    public func load() async throws -> RealtimeSettings? {
        let reply = try await pool.send(RedisCommand("GET", .string(RedisKeys.settings)))
        guard case .bulkString(let buffer?) = reply else { return nil }
        return try SettingsCoding.decode(Data(buffer.readableBytesView))
    }

    public func seed(_ settings: RealtimeSettings) async throws -> RealtimeSettings {
        _ = try await pool.send(RedisCommand("SET", .string(RedisKeys.settings), .bytes(Array(SettingsCoding.encode(settings))), "NX"))
        return try await load() ?? settings
    }

    public func store(_ settings: RealtimeSettings) async throws {
        let json = Array(SettingsCoding.encode(settings))
        _ = try await pool.pipeline([
            RedisCommand("SET", .string(RedisKeys.settings), .bytes(json)),
            RedisCommand("PUBLISH", .string(RedisKeys.controlTopic), .bytes(ControlMessage.settings(json))),
        ])
    }
}
