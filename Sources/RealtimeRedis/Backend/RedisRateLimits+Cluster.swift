import NIOCore
import RealtimeCore
import RedisClient

/// Rate limits on a Redis Cluster. A subject's counters share the subject's hash tag,
/// which is not the channel's, so the check (one script on the subject's shard) and
/// the event's own work (on the channel's shard) are two round trips, one after the
/// other: the work must not happen when the check refuses. Rejections are tallied in
/// the `{rt}` slot afterwards, off the allowed path. Counting stays cluster-wide.
extension RedisConnections {
    func checkLimitsOnCluster(_ check: RateLimitCheck, publishing message: (topic: String, payload: ByteBuffer, sharded: Bool)?)
        async throws -> RateLimit?
    {
        if let exceeded = try await clusterCheck(check) { return exceeded }
        if let message {
            _ = try await pool.send(
                RedisCommand(message.sharded ? "SPUBLISH" : "PUBLISH", .string(message.topic), .buffer(message.payload)))
        }
        return nil
    }

    /// Checks and counts every limit; returns the first exceeded. Falls back on this
    /// edge's own counters while the subject's shard cannot be reached.
    func clusterCheck(_ check: RateLimitCheck?) async throws -> RateLimit? {
        guard let check, !check.limits.isEmpty else { return nil }
        var args: [RedisArgument] = []
        args.reserveCapacity(check.limits.count * 2)
        for limit in check.limits {
            args.append(.int(limit.rate))
            args.append(.int(limit.duration))
        }
        guard let (exceeded, local) = try await exceededLimit(ClusterScripts.rateLimitCheck, check, args: args) else { return nil }
        guard !local else { return exceeded }
        // The coordinator's per-limit and top-subject figures; best effort.
        _ = try? await pool.pipeline([
            RedisCommand("HINCRBY", .string(keys.rateLimitRejections), .string(exceeded.name), 1),
            RedisCommand("ZINCRBY", .string(keys.rateLimitTop), 1, .string(check.subject)),
            RedisCommand("EXPIRE", .string(keys.rateLimitTop), 3600),
        ])
        return exceeded
    }
}
