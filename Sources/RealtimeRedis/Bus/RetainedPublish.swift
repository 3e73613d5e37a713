import NIOCore
import RealtimeCore
import RedisClient

/// Publishes that keep their message (recovery log, channel history): one script call
/// instead of a PUBLISH, still one round trip, rate limits included.
extension RedisConnections {
    /// The recovery log's length bound: a client that missed more than this many
    /// messages cluster-wide gets a new session instead of a partial replay.
    static let recoveryLogCap = 100_000

    func publishRetained(
        _ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?, retaining: Retention
    ) async throws -> RateLimit? {
        let (keys, args) = Self.retainedArguments(topic, frame: frame, excluding: excluding, retaining: retaining)
        guard let check, !check.limits.isEmpty else {
            _ = try await pool.run(RecoveryScripts.publish, keys: keys, args: args)
            return nil
        }
        do {
            _ = try await runLimited(RecoveryScripts.limitedPublish, check: check, keys: keys, args: args)
            return nil
        } catch let exceeded as RateLimitExceeded {
            return exceeded.limit
        }
    }

    /// The same as one command: a plain EVAL for a pipeline (a batch), which cannot
    /// reload a script; EVALSHA for a lane that knows the script is loaded.
    static func retainedCommand(_ delivery: Delivery, retaining: Retention, bySHA: Bool = false) -> RedisCommand {
        let (keys, args) = retainedArguments(delivery.topic, frame: delivery.frame, excluding: delivery.excluding, retaining: retaining)
        let script = RecoveryScripts.publish
        return RedisCommand(bySHA ? "EVALSHA" : "EVAL", [.string(bySHA ? script.sha1 : script.source), .int(keys.count)] + keys + args)
    }

    private static func retainedArguments(_ topic: Topic, frame: ByteBuffer, excluding: String?, retaining: Retention)
        -> (keys: [RedisArgument], args: [RedisArgument])
    {
        let channel: String = if case .channel(let name) = topic { name } else { "" }
        let keys: [RedisArgument] = [.string(RedisKeys.recoveryLog), .string(RedisKeys.history(channel))]
        let args: [RedisArgument] = [
            .string(RedisKeys.topicName(topic)), .string(excluding ?? ""), .buffer(frame), .string(channel),
            .int((retaining.recoverySeconds ?? 0) * 1000), .int(recoveryLogCap),
            .int(retaining.history?.size ?? 0), .int((retaining.history?.ttlSeconds ?? 0) * 1000),
        ]
        return (keys, args)
    }
}
