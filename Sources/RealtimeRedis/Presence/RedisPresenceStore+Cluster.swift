import NIOCore
import RealtimeCore
import RedisClient

/// Presence on a Redis Cluster. A channel's hash and topic share its hash tag, so each
/// change and its announcement are one script on the channel's shard. The node index
/// and the channel list are cluster-wide keys in the `{rt}` slot; they are written
/// in the same moment (concurrently, so a join still costs one round trip of latency,
/// but two commands on two shards). Several channels of one leave or update are
/// one script each, all sent at once, each shard's share pipelined.
extension RedisConnections {
    func clusterJoin(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?)
        async throws -> Bool
    {
        if let exceeded = try await clusterCheck(check) { throw RateLimitExceeded(exceeded) }
        async let index = pool.pipeline([
            RedisCommand(
                "SADD", .string(keys.nodeIndex(member.node)), .string(RedisKeys.indexEntry(memberId: member.id, channel: channel))),
            RedisCommand("SADD", .string(keys.channels), .string(channel)),
        ])
        let joined = try await pool.run(
            ClusterScripts.join, keys: [.string(keys.presence(channel))],
            args: [
                .string(member.id), .bytes(member.storedJSON.serialized), .string(keys.topicName(.channel(channel))),
                .buffer(Envelope.encode(frame: announce, excluding: excluding)),
            ])
        try Self.throwFirstError(try await index)
        return joined.int == 1
    }

    func clusterLeave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws {
        if let exceeded = try await clusterCheck(check) { throw RateLimitExceeded(exceeded) }
        let commands = channels.map { announcement in
            ClusterScripts.leave.evalSHACommand(
                keys: [.string(keys.presence(announcement.channel))],
                args: [
                    .string(memberId), .string(keys.topicName(.channel(announcement.channel))),
                    .buffer(Envelope.encode(frame: announcement.frame, excluding: nil)),
                ])
        }
        let replies = try await pool.runPipelined(ClusterScripts.leave, commands)
        var cleanup = [
            RedisCommand(
                "SREM",
                [.string(keys.nodeIndex(node))] + channels.map { .string(RedisKeys.indexEntry(memberId: memberId, channel: $0.channel)) })
        ]
        // A channel this leave emptied leaves the list (best effort: a join racing it
        // on another shard may be listed late; `activeChannels` counts members anyway).
        for (announcement, reply) in zip(channels, replies) where reply.array?.last?.int == 0 {
            cleanup.append(RedisCommand("SREM", .string(keys.channels), .string(announcement.channel)))
        }
        try Self.throwFirstError(try await pool.pipeline(cleanup))
    }

    func clusterUpdate(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?)
        async throws
    {
        if let exceeded = try await clusterCheck(check) { throw RateLimitExceeded(exceeded) }
        let commands = channels.map { announcement in
            ClusterScripts.update.evalSHACommand(
                keys: [.string(keys.presence(announcement.channel))],
                args: [
                    .string(member.id), .bytes(member.storedJSON.serialized), .string(keys.topicName(.channel(announcement.channel))),
                    .buffer(Envelope.encode(frame: announcement.frame, excluding: excluding)),
                ])
        }
        _ = try await pool.runPipelined(ClusterScripts.update, commands)
    }

    static func throwFirstError(_ replies: [RESPValue]) throws {
        if let message = replies.lazy.compactMap(\.errorMessage).first { throw RedisError.server(message) }
    }
}
