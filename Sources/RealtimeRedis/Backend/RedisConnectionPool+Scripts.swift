import RedisClient

extension RedisConnectionPool {
    /// EVALSHA commands of one script (built with `evalSHACommand`), pipelined (on a
    /// cluster: split by shard, all shards at once). When a node does not know the
    /// script yet it is loaded on every master and the commands are sent once more;
    /// callers only send scripts that act when their condition holds, so a resend
    /// never repeats what was done. Throws the first error reply.
    func runPipelined(_ script: RedisScript, _ commands: [RedisCommand]) async throws -> [RESPValue] {
        var replies = try await pipeline(commands)
        if replies.contains(where: { $0.errorMessage?.hasPrefix("NOSCRIPT") ?? false }) {
            if let cluster {
                for master in try await cluster.masters() {
                    _ = try await cluster.send(RedisCommand("SCRIPT", "LOAD", .string(script.source)), to: master)
                }
            } else {
                _ = try await send(RedisCommand("SCRIPT", "LOAD", .string(script.source)))
            }
            replies = try await pipeline(commands)
        }
        if let message = replies.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
        return replies
    }
}
