import RealtimeCore
import RedisClient

/// Reads one `ClusterObservation` in two pipelined round trips: the registry and
/// cluster figures, then every registered node's heartbeat with one MGET.
struct ClusterReader: Sendable {
    let pool: RedisConnectionPool

    func read() async throws -> ClusterObservation {
        let replies = try await pool.pipeline([
            RedisCommand("SMEMBERS", .string(RedisKeys.nodes)),
            RedisCommand("SCARD", .string(RedisKeys.channels)),
            RedisCommand("HMGET", .string(CoordinatorKeys.cleanups), "nodes", "members"),
            RedisCommand("GET", .string(CoordinatorKeys.leader)),
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
            leaderId: replies[3].string)
        guard !ids.isEmpty else { return observation }

        let values = try await pool.send(RedisCommand("MGET", ids.map { .string(RedisKeys.nodeHeartbeat($0)) }))
        for (id, value) in zip(ids, values.array ?? []) {
            guard let buffer = value.buffer else { continue }
            if let heartbeat = Heartbeat(json: buffer.readableBytesView, nodeId: id) {
                observation.heartbeats[id] = heartbeat
            }
        }
        return observation
    }
}
