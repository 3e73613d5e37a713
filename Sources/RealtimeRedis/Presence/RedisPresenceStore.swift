import NIOCore
import RealtimeCore
import RedisClient
import SocketIOProtocol

/// Member lists in Redis hashes (`rt:presence:<channel>`), with a per-node index so
/// a dead node's members can be found without scanning. Each change runs as one
/// script that also announces it, behind the rate-limit prologue.
final class RedisPresenceStore: PresenceStore {
    private let redis: RedisConnections

    init(_ connections: RedisConnections) {
        self.redis = connections
    }

    func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?)
        async throws -> Bool
    {
        if redis.keys.clustered {
            return try await redis.clusterJoin(channel: channel, member: member, announce: announce, excluding: excluding, limitedBy: check)
        }
        let keys = redis.keys
        let reply = try await redis.runLimited(
            RateLimitScript.join, check: check,
            keys: [.string(keys.presence(channel)), .string(keys.nodeIndex(member.node)), .string(keys.channels)],
            args: [
                .string(member.id), .bytes(member.storedJSON.serialized),
                .string(RedisKeys.indexEntry(memberId: member.id, channel: channel)), .string(channel),
                .string(keys.topicName(.channel(channel))), .buffer(Envelope.encode(frame: announce, excluding: excluding)),
            ])
        return reply.int == 1
    }

    func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws {
        guard !channels.isEmpty else { return try await redis.enforce(check) }
        if redis.keys.clustered { return try await redis.clusterLeave(memberId: memberId, node: node, from: channels, limitedBy: check) }
        var args: [RedisArgument] = [.string(memberId)]
        args.reserveCapacity(1 + channels.count * 3)
        for announcement in channels {
            args.append(.string(announcement.channel))
            args.append(.string(RedisKeys.channelTopic(announcement.channel)))
            args.append(.buffer(Envelope.encode(frame: announcement.frame, excluding: nil)))
        }
        _ = try await redis.runLimited(
            RateLimitScript.leave, check: check, keys: [.string(redis.keys.nodeIndex(node)), .string(redis.keys.channels)], args: args)
    }

    func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?)
        async throws
    {
        guard !channels.isEmpty else { return try await redis.enforce(check) }
        if redis.keys.clustered {
            return try await redis.clusterUpdate(member: member, in: channels, excluding: excluding, limitedBy: check)
        }
        var args: [RedisArgument] = [.string(member.id), .bytes(member.storedJSON.serialized)]
        args.reserveCapacity(2 + channels.count * 3)
        for announcement in channels {
            args.append(.string(announcement.channel))
            args.append(.string(RedisKeys.channelTopic(announcement.channel)))
            args.append(.buffer(Envelope.encode(frame: announcement.frame, excluding: excluding)))
        }
        _ = try await redis.runLimited(RateLimitScript.update, check: check, keys: [], args: args)
    }

    func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord] {
        let reply: RESPValue
        if redis.keys.clustered {
            if let exceeded = try await redis.clusterCheck(check) { throw RateLimitExceeded(exceeded) }
            reply = try await redis.pool.send(RedisCommand("HVALS", .string(redis.keys.presence(channel))))
        } else {
            reply = try await redis.runLimited(
                RateLimitScript.members, check: check, keys: [.string(redis.keys.presence(channel))], args: [])
        }
        return (reply.array ?? []).compactMap { value in
            guard case .bulkString(let buffer?) = value, let json = try? JSONValue.parse(buffer.readableBytesView) else { return nil }
            return PresenceRecord(stored: json)
        }.sorted { $0.id < $1.id }
    }

    func activeChannels() async throws -> [ChannelSummary] {
        let names = try await redis.pool.send(RedisCommand("SMEMBERS", .string(redis.keys.channels))).array?.compactMap(\.string) ?? []
        guard !names.isEmpty else { return [] }
        let counts = try await redis.pool.pipeline(names.map { RedisCommand("HLEN", .string(redis.keys.presence($0))) })
        return zip(names, counts).compactMap { name, count in
            guard let n = count.int, n > 0 else { return nil }
            return ChannelSummary(channel: name, members: Int(n))
        }.sorted { $0.channel < $1.channel }
    }

    func restore(_ memberships: [(channel: String, member: PresenceRecord)]) async throws {
        let pool = redis.pool
        let keys = redis.keys
        // Evicted while cut off (a partition longer than the coordinator's dead-after):
        // the other members were told these members left, so they must hear them join.
        let wasEvicted = try await pool.send(RedisCommand("DEL", .string(keys.nodeEvicted(redis.nodeId)))).int == 1
        var commands = [RedisCommand("SADD", .string(keys.nodes), .string(redis.nodeId))]
        for (channel, member) in memberships {
            commands.append(
                RedisCommand("HSET", .string(keys.presence(channel)), .string(member.id), .bytes(member.storedJSON.serialized)))
            commands.append(
                RedisCommand(
                    "SADD", .string(keys.nodeIndex(member.node)), .string(RedisKeys.indexEntry(memberId: member.id, channel: channel)))
            )
            commands.append(RedisCommand("SADD", .string(keys.channels), .string(channel)))
        }
        // Chunked so a node with many members never builds one giant write.
        for start in stride(from: 0, to: commands.count, by: 1000) {
            let replies = try await pool.pipeline(Array(commands[start..<min(start + 1000, commands.count)]))
            if let failure = replies.first(where: { if case .error = $0 { true } else { false } }) {
                throw RedisError.server(failure.string ?? "restore failed")
            }
        }
        if wasEvicted {
            let joins = memberships.map { channel, member in
                RedisCommand(
                    keys.publishCommand(.channel(channel)), .string(keys.topicName(.channel(channel))),
                    .buffer(Envelope.encode(frame: EventFrames.presence(.join, channel: channel, member: member), excluding: nil)))
            }
            for start in stride(from: 0, to: joins.count, by: 1000) {
                _ = try await pool.pipeline(Array(joins[start..<min(start + 1000, joins.count)]))
            }
        }
        redis.logger.notice("presence restored", metadata: ["memberships": "\(memberships.count)", "announced": "\(wasEvicted)"])
    }
}
