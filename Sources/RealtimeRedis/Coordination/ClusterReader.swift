import RealtimeCore
import RedisClient
import SocketIOProtocol

/// Reads one `ClusterObservation` in two pipelined round trips: the registry and
/// cluster figures, then every registered node's heartbeat with one MGET.
public struct ClusterReader: Sendable {
    let pool: RedisConnectionPool

    public func read() async throws -> ClusterObservation {
        let keys = RedisKeyspace(for: pool)
        let replies = try await pool.pipeline([
            RedisCommand("SMEMBERS", .string(keys.nodes)),
            RedisCommand("SCARD", .string(keys.channels)),
            RedisCommand("HMGET", .string(keys.cleanups), "nodes", "members"),
            RedisCommand("GET", .string(keys.leader)),
            RedisCommand("HGETALL", .string(keys.rateLimitRejections)),
            RedisCommand("ZREVRANGE", .string(keys.rateLimitTop), "0", .int(Self.topSubjects - 1), "WITHSCORES"),
            RedisCommand("GET", .string(keys.settings)),
        ])
        for reply in replies {
            if let message = reply.errorMessage { throw RedisError.server(message) }
        }
        let ids = (replies[0].array ?? []).compactMap(\.string)
        let counts = replies[2].array ?? []
        var observation = ClusterObservation(
            registered: ids,
            heartbeats: [:],
            channelCount: Int(replies[1].int ?? 0),
            cleanups: CleanupTotals(
                nodes: Int(counts.first?.int ?? 0),
                members: Int(counts.dropFirst().first?.int ?? 0)),
            leaderId: replies[3].string,
            rateLimits: Self.rateLimits(perLimit: replies[4], top: replies[5]),
            storedSettingsVersion: Self.settingsVersion(replies[6]))
        guard !ids.isEmpty else { return observation }

        let values = try await pool.send(RedisCommand("MGET", ids.map { .string(keys.nodeHeartbeat($0)) }))
        for (id, value) in zip(ids, values.array ?? []) {
            guard let buffer = value.buffer else { continue }
            if let heartbeat = NodeHeartbeat(json: buffer.readableBytesView, nodeId: id) {
                observation.heartbeats[id] = heartbeat
            }
        }
        return observation
    }

    static let topSubjects = 10

    /// Only the version is read: the coordinator compares it with the edges' own.
    static func settingsVersion(_ reply: RESPValue) -> Int64? {
        guard let buffer = reply.buffer else { return nil }
        guard let version = (try? JSONValue.parse(buffer.readableBytesView))?["version"]?.doubleValue, version.isFinite else {
            return 0
        }
        return Int64(version)
    }

    /// HGETALL and ZREVRANGE … WITHSCORES both answer a flat [name, number, …] array.
    static func rateLimits(perLimit: RESPValue, top: RESPValue) -> RateLimitSummary {
        func pairs(_ reply: RESPValue) -> [(String, Int64)] {
            let items = reply.array ?? []
            return stride(from: 0, to: items.count - 1, by: 2).compactMap { i in
                guard let name = items[i].string, let text = items[i + 1].string, let value = Double(text) else { return nil }
                return (name, Int64(value))
            }
        }
        return RateLimitSummary(
            perLimit: Dictionary(pairs(perLimit), uniquingKeysWith: +),
            topSubjects: pairs(top).map { (subject: $0.0, rejections: $0.1) })
    }
}
