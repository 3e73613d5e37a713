import NIOCore
import RealtimeCore
import RedisClient
import SocketIOProtocol

/// Removes a dead node from the cluster: every member it held (found through its
/// per-node presence index, never by scanning channels) is deleted and announced
/// with `channel:leave`, then the node is deregistered and told so on `rt:ctl`.
public struct NodeEvictor: Sendable {
    let pool: RedisConnectionPool
    let batchSize: Int
    /// Checked between batches: a coordinator that lost the lease stops, and the
    /// new leader (whose scripts are idempotent) carries on.
    let isLeader: @Sendable () -> Bool

    public init(pool: RedisConnectionPool, batchSize: Int = 200, isLeader: @escaping @Sendable () -> Bool = { true }) {
        self.pool = pool
        self.batchSize = batchSize
        self.isLeader = isLeader
    }

    public struct LeadershipLost: Error {}

    /// Returns how many members this call removed.
    /// - Parameter notify: tell the node it was evicted (on the control topic), so a node
    ///   that was only cut off re-asserts its members. False when a node clears what its
    ///   own crashed predecessor left: it would hear the notice about itself.
    public func evict(_ nodeId: String, notify: Bool = true) async throws -> Int {
        let keys = RedisKeyspace(for: pool)
        let index = keys.nodeIndex(nodeId)
        let entries = try await indexEntries(index)
        var removed = 0
        var start = 0
        while start < entries.count {
            guard isLeader() else { throw LeadershipLost() }
            let batch = Array(entries[start..<min(start + batchSize, entries.count)])
            removed +=
                keys.clustered
                ? try await evictBatchOnCluster(batch, of: nodeId, keys: keys) : try await evictBatch(batch, of: nodeId, index: index)
            start += batchSize
        }
        guard isLeader() else { throw LeadershipLost() }
        _ = try await pool.run(
            EvictionScripts.finishEviction,
            keys: [.string(index), .string(keys.nodes), .string(keys.cleanups), .string(keys.nodeEvicted(nodeId))],
            args: [.string(nodeId), .string(keys.controlTopic), .string(notify ? ControlMessage.evicted(nodeId: nodeId) : "")])
        return removed
    }

    /// SSCAN rather than SMEMBERS so a node that held a huge number of members
    /// does not produce one giant reply; SSCAN may repeat an entry, hence the set.
    private func indexEntries(_ index: String) async throws -> [String] {
        var seen = Set<String>()
        var cursor = "0"
        repeat {
            let reply = try await pool.send(RedisCommand("SSCAN", .string(index), .string(cursor), "COUNT", .int(1000)))
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string else {
                throw RedisError.protocolError("unexpected SSCAN reply")
            }
            for entry in parts[1].array ?? [] {
                if let value = entry.string { seen.insert(value) }
            }
            cursor = next
        } while cursor != "0"
        return seen.sorted()
    }

    /// Reads the batch's records (one pipeline), builds each leave frame once, then
    /// removes and announces them in one script call.
    private func evictBatch(_ entries: [String], of nodeId: String, index: String) async throws -> Int {
        let parsed = entries.map(IndexEntry.init)
        let records = try await pool.pipeline(
            parsed.map {
                RedisCommand("HGET", .string(RedisKeys.presence($0.channel)), .string($0.memberId))
            })
        var args: [RedisArgument] = [
            .string(nodeId), .string(RedisKeys.presence("")), .string(RedisKeys.channelTopic("")),
        ]
        args.reserveCapacity(3 + entries.count * 4)
        for (entry, record) in zip(parsed, records) {
            args.append(.string(entry.raw))
            args.append(.string(entry.channel))
            args.append(.string(entry.memberId))
            args.append(leavePayload(record, channel: entry.channel, nodeId: nodeId).map(RedisArgument.buffer) ?? .string(""))
        }
        let reply = try await pool.run(
            EvictionScripts.evictMembers,
            keys: [.string(index), .string(RedisKeys.channels), .string(RedisKeys.cleanups)],
            args: args)
        return Int(reply.int ?? 0)
    }

    /// The pub/sub payload announcing the member's leave, or nil when the stored
    /// record is missing, unreadable, or belongs to another node.
    func leavePayload(_ record: RESPValue, channel: String, nodeId: String) -> ByteBuffer? {
        guard let buffer = record.buffer,
            let json = try? JSONValue.parse(buffer.readableBytesView),
            let member = PresenceRecord(stored: json),
            member.node == nodeId
        else { return nil }
        return Envelope.encode(frame: EventFrames.presence(.leave, channel: channel, member: member), excluding: nil)
    }
}

/// `<memberId>\n<channel>`, as the edges write it (`RedisKeys.indexEntry`).
/// Member ids never hold a newline, so the first one splits the entry.
public struct IndexEntry: Sendable, Equatable {
    public let raw: String
    public let memberId: String
    public let channel: String

    public init(_ raw: String) {
        self.raw = raw
        if let newline = raw.firstIndex(of: "\n") {
            memberId = String(raw[..<newline])
            channel = String(raw[raw.index(after: newline)...])
        } else {
            memberId = raw
            channel = ""
        }
    }
}
