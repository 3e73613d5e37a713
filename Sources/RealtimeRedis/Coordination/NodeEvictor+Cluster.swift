import RealtimeCore
import RedisClient

/// Eviction on a Redis Cluster: the dead node's index is in the `{rt}` slot, its
/// members are spread over every shard. Each member is removed and announced by the
/// cluster leave script on its channel's shard (guarded by the node id, so a member
/// that meanwhile rejoined elsewhere stays); the batch's scripts go out at once, a
/// pipeline per shard. The index, the channel list and the tally follow in one
/// pipeline on the `{rt}` slot.
extension NodeEvictor {
    func evictBatchOnCluster(_ entries: [String], of nodeId: String, keys: RedisKeyspace) async throws -> Int {
        let parsed = entries.map(IndexEntry.init)
        let records = try await pool.pipeline(parsed.map { RedisCommand("HGET", .string(keys.presence($0.channel)), .string($0.memberId)) })
        var evicted: [(entry: IndexEntry, command: RedisCommand)] = []
        for (entry, record) in zip(parsed, records) {
            guard let payload = leavePayload(record, channel: entry.channel, nodeId: nodeId) else { continue }
            evicted.append(
                (
                    entry,
                    ClusterScripts.leave.evalSHACommand(
                        keys: [.string(keys.presence(entry.channel))],
                        args: [
                            .string(entry.memberId), .string(keys.topicName(.channel(entry.channel))), .buffer(payload), .string(nodeId),
                        ])
                ))
        }
        var removed = 0
        var cleanup = [RedisCommand("SREM", [.string(keys.nodeIndex(nodeId))] + parsed.map { .string($0.raw) })]
        if !evicted.isEmpty {
            let replies = try await pool.runPipelined(ClusterScripts.leave, evicted.map(\.command))
            for (item, reply) in zip(evicted, replies) {
                guard let result = reply.array, result.first?.int == 1 else { continue }
                removed += 1
                if result.last?.int == 0 { cleanup.append(RedisCommand("SREM", .string(keys.channels), .string(item.entry.channel))) }
            }
        }
        if removed > 0 { cleanup.append(RedisCommand("HINCRBY", .string(keys.cleanups), "members", .int(removed))) }
        for reply in try await pool.pipeline(cleanup) {
            if let message = reply.errorMessage { throw RedisError.server(message) }
        }
        return removed
    }
}
