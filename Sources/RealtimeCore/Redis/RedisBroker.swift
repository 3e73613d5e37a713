import Foundation
import Logging
import NIOCore
import NIOPosix
import RedisClient
import SocketIOProtocol
import Synchronization

/// The cluster backend: pub/sub for deliveries, hashes for presence, one Redis
/// round trip per message or presence change (scripts publish in the same call).
public final class RedisBroker: Broker {
    public let nodeId: String
    let pool: RedisConnectionPool
    let subscriber: RedisSubscriber
    private let logger: Logger
    private let relay = BrokerEventRelay()
    private let fallbackLimiter = FixedWindowLimiter()
    /// Rate-limit checks decided locally because Redis was unreachable.
    let rateLimitFallbacks = Atomic<Int>(0)

    public var rateLimitFallbackCount: Int { rateLimitFallbacks.load(ordering: .relaxed) }

    public init(url: String, nodeId: String, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        let configuration = try RedisConfiguration(url: url)
        self.nodeId = nodeId
        self.logger = logger
        self.pool = RedisConnectionPool(configuration: configuration, size: 4, eventLoopGroup: eventLoopGroup, logger: logger)
        let relay = self.relay
        self.subscriber = RedisSubscriber(
            configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger,
            onMessage: { message in RedisBroker.route(message, to: relay, nodeId: nodeId) },
            onStateChange: { state in relay.subscriberStateChanged(state) })
    }

    public func start(onEvent: @escaping @Sendable (BrokerEvent) -> Void) async throws {
        relay.setHandler(onEvent)
        subscriber.start()
        try await subscriber.waitUntilConnected(timeout: .seconds(10))
        try await subscriber.subscribe([RedisKeys.controlTopic])
        try await reclaimLeftovers()
    }

    /// A crashed predecessor with this node id may have left members behind that no
    /// coordinator will clean (the node never looked dead): remove and announce them
    /// before registering. Registration itself is the first heartbeat.
    private func reclaimLeftovers() async throws {
        let removed = try await NodeEvictor(pool: pool).evict(nodeId)
        // This process starts with no members: nothing of an old eviction to announce.
        _ = try await pool.send(RedisCommand("DEL", .string(RedisKeys.nodeEvicted(nodeId))))
        if removed > 0 {
            logger.notice("removed members left by a previous run of this node", metadata: ["members": "\(removed)"])
        }
    }

    public func shutdown() async {
        relay.setHandler(nil)
        await subscriber.stop()
        await pool.close()
    }

    public func acquire(_ topic: Topic) async throws {
        try await subscriber.subscribe([RedisKeys.topicName(topic)])
    }

    public func release(_ topic: Topic) async {
        do {
            try await subscriber.unsubscribe([RedisKeys.topicName(topic)])
        } catch {
            logger.debug("unsubscribe failed (resynced on reconnect)", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    public func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> RateLimit? {
        try relay.publishGate.check()
        let payload = Envelope.encode(frame: frame, excluding: excluding)
        guard let check, !check.limits.isEmpty else {
            _ = try await pool.send(RedisCommand("PUBLISH", .string(RedisKeys.topicName(topic)), .buffer(payload)))
            return nil
        }
        return try await runRateLimits(check, publishing: (RedisKeys.topicName(topic), payload))
    }

    public func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit? {
        guard !check.limits.isEmpty else { return nil }
        return try await runRateLimits(check, publishing: nil)
    }

    /// One script call: check all limits, count, and publish when allowed. When Redis
    /// cannot be reached the check fails open onto this edge's own counters (counted
    /// in `rateLimitFallbacks`), and the publish error, if any, still reaches the caller.
    private func runRateLimits(_ check: RateLimitCheck, publishing message: (topic: String, payload: ByteBuffer)?) async throws -> RateLimit? {
        var args: [RedisArgument] = []
        args.reserveCapacity(check.limits.count * 3 + 3)
        for limit in check.limits {
            args.append(.int(limit.rate))
            args.append(.int(limit.duration))
            args.append(.string(limit.name))
        }
        args.append(.string(check.subject))
        if let message {
            args.append(.string(message.topic))
            args.append(.buffer(message.payload))
        }
        let keys = check.limits.map { RedisArgument.string(RedisKeys.rateLimitCounter(limit: $0.name, subject: check.subject)) }
        let reply: RESPValue
        do {
            reply = try await pool.run(RateLimitScript.checkAndPublish, keys: keys, args: args)
        } catch let error as RedisError where error.isConnectivity {
            rateLimitFallbacks.add(1, ordering: .relaxed)
            if let exceeded = fallbackLimiter.consume(check) { return exceeded }
            throw error
        }
        guard let index = reply.int, index > 0, Int(index) <= check.limits.count else { return nil }
        return check.limits[Int(index) - 1]
    }

    public func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> Bool {
        let reply = try await runLimited(
            RateLimitScript.join, check: check,
            keys: [.string(RedisKeys.presence(channel)), .string(RedisKeys.nodeIndex(member.node)), .string(RedisKeys.channels)],
            args: [
                .string(member.id), .bytes(member.storedJSON.serialized),
                .string(RedisKeys.indexEntry(memberId: member.id, channel: channel)), .string(channel),
                .string(RedisKeys.channelTopic(channel)), .buffer(Envelope.encode(frame: announce, excluding: excluding)),
            ])
        return reply.int == 1
    }

    public func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws {
        guard !channels.isEmpty else {
            if let check, let exceeded = try await consumeRateLimits(check) { throw RateLimitExceeded(exceeded) }
            return
        }
        var args: [RedisArgument] = [.string(memberId)]
        args.reserveCapacity(1 + channels.count * 3)
        for announcement in channels {
            args.append(.string(announcement.channel))
            args.append(.string(RedisKeys.channelTopic(announcement.channel)))
            args.append(.buffer(Envelope.encode(frame: announcement.frame, excluding: nil)))
        }
        _ = try await runLimited(
            RateLimitScript.leave, check: check, keys: [.string(RedisKeys.nodeIndex(node)), .string(RedisKeys.channels)], args: args)
    }

    public func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?) async throws {
        guard !channels.isEmpty else {
            if let check, let exceeded = try await consumeRateLimits(check) { throw RateLimitExceeded(exceeded) }
            return
        }
        var args: [RedisArgument] = [.string(member.id), .bytes(member.storedJSON.serialized)]
        for announcement in channels {
            args.append(.string(announcement.channel))
            args.append(.string(RedisKeys.channelTopic(announcement.channel)))
            args.append(.buffer(Envelope.encode(frame: announcement.frame, excluding: excluding)))
        }
        _ = try await runLimited(RateLimitScript.update, check: check, keys: [], args: args)
    }

    public func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord] {
        let reply = try await runLimited(RateLimitScript.members, check: check, keys: [.string(RedisKeys.presence(channel))], args: [])
        return (reply.array ?? []).compactMap { value in
            guard case .bulkString(let buffer?) = value, let json = try? JSONValue.parse(buffer.readableBytesView) else { return nil }
            return PresenceRecord(stored: json)
        }.sorted { $0.id < $1.id }
    }

    /// Runs a presence script behind the rate-limit prologue: one round trip for
    /// the check, the count and the operation. With Redis unreachable the check
    /// falls back to this edge's counters and the operation's error still surfaces.
    private func runLimited(_ script: RedisScript, check: RateLimitCheck?, keys: [RedisArgument], args: [RedisArgument]) async throws -> RESPValue {
        var allKeys: [RedisArgument] = []
        var allArgs: [RedisArgument] = [.int(check?.limits.count ?? 0)]
        allKeys.reserveCapacity(keys.count + (check?.limits.count ?? 0))
        allArgs.reserveCapacity(args.count + 2 + 3 * (check?.limits.count ?? 0))
        if let check {
            for limit in check.limits {
                allKeys.append(.string(RedisKeys.rateLimitCounter(limit: limit.name, subject: check.subject)))
                allArgs.append(.int(limit.rate))
                allArgs.append(.int(limit.duration))
                allArgs.append(.string(limit.name))
            }
        }
        allArgs.append(.string(check?.subject ?? ""))
        allKeys.append(contentsOf: keys)
        allArgs.append(contentsOf: args)
        do {
            return try await pool.run(script, keys: allKeys, args: allArgs)
        } catch let error as RedisError {
            if let check, case .server(let message) = error, let range = message.range(of: "RATELIMIT ") {
                let index = Int(message[range.upperBound...].prefix { $0.isNumber }) ?? 0
                if (1...check.limits.count).contains(index) { throw RateLimitExceeded(check.limits[index - 1]) }
            }
            if let check, error.isConnectivity {
                rateLimitFallbacks.add(1, ordering: .relaxed)
                if let exceeded = fallbackLimiter.consume(check) { throw RateLimitExceeded(exceeded) }
            }
            throw error
        }
    }

    public func activeChannels() async throws -> [ChannelSummary] {
        let names = try await pool.send(RedisCommand("SMEMBERS", .string(RedisKeys.channels))).array?.compactMap(\.string) ?? []
        guard !names.isEmpty else { return [] }
        let counts = try await pool.pipeline(names.map { RedisCommand("HLEN", .string(RedisKeys.presence($0))) })
        return zip(names, counts).compactMap { name, count in
            guard let n = count.int, n > 0 else { return nil }
            return ChannelSummary(channel: name, members: Int(n))
        }.sorted { $0.channel < $1.channel }
    }

    public func restore(_ memberships: [(channel: String, member: PresenceRecord)]) async throws {
        // Evicted while cut off (a partition longer than the coordinator's dead-after):
        // the other members were told these members left, so they must hear them join.
        let wasEvicted = try await pool.send(RedisCommand("DEL", .string(RedisKeys.nodeEvicted(nodeId)))).int == 1
        var commands = [RedisCommand("SADD", .string(RedisKeys.nodes), .string(nodeId))]
        for (channel, member) in memberships {
            commands.append(RedisCommand("HSET", .string(RedisKeys.presence(channel)), .string(member.id), .bytes(member.storedJSON.serialized)))
            commands.append(RedisCommand("SADD", .string(RedisKeys.nodeIndex(member.node)), .string(RedisKeys.indexEntry(memberId: member.id, channel: channel))))
            commands.append(RedisCommand("SADD", .string(RedisKeys.channels), .string(channel)))
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
                RedisCommand("PUBLISH", .string(RedisKeys.channelTopic(channel)),
                             .buffer(Envelope.encode(frame: EventFrames.presence(.join, channel: channel, member: member), excluding: nil)))
            }
            for start in stride(from: 0, to: joins.count, by: 1000) {
                _ = try await pool.pipeline(Array(joins[start..<min(start + 1000, joins.count)]))
            }
        }
        logger.notice("presence restored", metadata: ["memberships": "\(memberships.count)", "announced": "\(wasEvicted)"])
    }

    public func endSessions(userId: String, sessionId: String?) async throws {
        let body = "signout\n" + userId + "\n" + (sessionId ?? "")
        _ = try await pool.send(RedisCommand("PUBLISH", .string(RedisKeys.controlTopic), .string(body)))
    }

    public func heartbeat(_ stats: JSONValue) async throws {
        var object = stats.objectValue ?? [:]
        object["ts"] = .number((Date().timeIntervalSince1970 * 1000).rounded())
        _ = try await pool.pipeline([
            RedisCommand("SET", .string(RedisKeys.nodeHeartbeat(nodeId)), .bytes(JSONValue.object(object).serialized), "PX", "30000"),
            RedisCommand("SADD", .string(RedisKeys.nodes), .string(nodeId)),
        ])
    }

    public func deregister() async {
        _ = try? await pool.pipeline([
            RedisCommand("DEL", .string(RedisKeys.nodeHeartbeat(nodeId))),
            RedisCommand("SREM", .string(RedisKeys.nodes), .string(nodeId)),
        ])
    }

    public func loadSettings() async throws -> RealtimeSettings? {
        let reply = try await pool.send(RedisCommand("GET", .string(RedisKeys.settings)))
        guard case .bulkString(let buffer?) = reply else { return nil }
        return try SettingsCoding.decode(Data(buffer.readableBytesView))
    }

    public func seedSettings(_ settings: RealtimeSettings) async throws -> RealtimeSettings {
        _ = try await pool.send(RedisCommand("SET", .string(RedisKeys.settings), .bytes(Array(SettingsCoding.encode(settings))), "NX"))
        return try await loadSettings() ?? settings
    }

    public func storeSettings(_ settings: RealtimeSettings) async throws {
        let json = Array(SettingsCoding.encode(settings))
        _ = try await pool.pipeline([
            RedisCommand("SET", .string(RedisKeys.settings), .bytes(json)),
            RedisCommand("PUBLISH", .string(RedisKeys.controlTopic), .bytes(Array("settings\n".utf8) + json)),
        ])
    }

    /// Control messages: `settings\n<json>` and `evicted\n<node id>`.
    private static func routeControl(_ payload: ByteBuffer, nodeId: String, emit: (BrokerEvent) -> Void) {
        guard let newline = payload.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
              let kind = payload.getString(at: payload.readerIndex, length: newline - payload.readerIndex) else { return }
        let body = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1) ?? ByteBuffer()
        switch kind {
        case "settings":
            guard let settings = try? SettingsCoding.decode(Data(body.readableBytesView)) else { return }
            emit(.settingsChanged(settings))
        case "evicted":
            if String(buffer: body) == nodeId { emit(.evicted) }
        case "signout":
            let parts = String(buffer: body).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard let user = parts.first, !user.isEmpty else { return }
            let session = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
            emit(.endSessions(userId: String(user), sessionId: session))
        default:
            break
        }
    }

    /// Runs on the subscriber's event loop: decode the envelope, hand the frame on.
    private static func route(_ message: RedisPubSubMessage, to relay: BrokerEventRelay, nodeId: String) {
        let emit = relay.emit
        if let topic = RedisKeys.topic(named: message.topic) {
            guard let (excluding, frame) = Envelope.decode(message.payload) else { return }
            emit(.delivery(Delivery(topic: topic, frame: frame, excluding: excluding)))
        } else if message.topic == RedisKeys.controlTopic {
            routeControl(message.payload, nodeId: nodeId, emit: emit)
        }
    }
}
