import Foundation
import NIOCore
import RealtimeCore
import RedisClient
import SocketIOProtocol

/// Session snapshots as strings with a TTL, the recovery log and channel histories as
/// streams (KEYSPACE.md). The streams are written by the publish script.
final class RedisRecoveryStore: RecoveryStore {
    private let redis: RedisConnections

    init(_ connections: RedisConnections) {
        self.redis = connections
    }

    func save(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws {
        _ = try await redis.pool.send(
            RedisCommand(
                "SET", .string(RedisKeys.recoverySession(pid)), .bytes(snapshot.json.serialized), "EX", .int(ttlSeconds)))
    }

    func keep(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws -> SnapshotKeep {
        let reply = try await redis.pool.run(
            RecoveryScripts.keep, keys: [.string(RedisKeys.recoverySession(pid))],
            args: [.bytes(snapshot.json.serialized), .int(ttlSeconds), .string(snapshot.owner)])
        switch reply.int {
        case 1: return .kept
        case 2: return .recovered
        default: return .absent
        }
    }

    func refresh(pids: [String], ttlSeconds: Int) async throws {
        guard !pids.isEmpty else { return }
        _ = try await redis.pool.pipeline(pids.map { RedisCommand("EXPIRE", .string(RedisKeys.recoverySession($0)), .int(ttlSeconds)) })
    }

    func take(pid: String) async throws -> SessionSnapshot? {
        let reply = try await redis.pool.send(RedisCommand("GETDEL", .string(RedisKeys.recoverySession(pid))))
        guard let buffer = reply.buffer, let json = try? JSONValue.parse(Array(buffer.readableBytesView)) else { return nil }
        return SessionSnapshot(json: json)
    }

    func discard(pid: String) async throws {
        _ = try await redis.pool.send(RedisCommand("DEL", .string(RedisKeys.recoverySession(pid))))
    }

    func missed(after offset: LogOffset, channels: Set<String>, sid: String) async throws -> MissedMessages? {
        let args: [RedisArgument] = [.string(offset.description), .string(sid)] + channels.sorted().map { .string($0) }
        let reply = try await redis.pool.run(RecoveryScripts.missed, keys: [.string(RedisKeys.recoveryLog)], args: args)
        guard let items = reply.array, let upTo = items.first?.string.flatMap(LogOffset.init) else { return nil }
        var messages: [RetainedMessage] = []
        var i = 1
        while i + 2 < items.count, let id = items[i].string.flatMap(LogOffset.init), let frame = items[i + 2].buffer {
            let channel = items[i + 1].string ?? ""
            messages.append(RetainedMessage(offset: id, channel: channel.isEmpty ? nil : channel, frame: frame))
            i += 3
        }
        return MissedMessages(messages: messages, upTo: upTo)
    }

    func history(of channel: String, policy: HistoryPolicy, limit: Int, since: LogOffset?) async throws -> [RetainedMessage] {
        let count = min(limit, policy.size)
        // Entries older than the TTL may linger until the next write trims them: start
        // past them, so they neither show nor take places in a page.
        let horizon = UInt64(max(0, Date().timeIntervalSince1970 * 1000 - Double(policy.ttlSeconds) * 1000))
        let oldest = LogOffset(milliseconds: horizon, sequence: 0)
        let key = RedisArgument.string(RedisKeys.history(channel))
        let command: RedisCommand
        if let since, since >= oldest {
            command = RedisCommand("XRANGE", key, .string("(\(since)"), "+", "COUNT", .int(count))  // the next page
        } else if since != nil {
            command = RedisCommand("XRANGE", key, .string(oldest.description), "+", "COUNT", .int(count))
        } else {
            command = RedisCommand("XREVRANGE", key, "+", .string(oldest.description), "COUNT", .int(count))  // the newest
        }
        let reply = try await redis.pool.send(command)
        let entries = (reply.array ?? []).compactMap { entry -> RetainedMessage? in
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string.flatMap(LogOffset.init),
                let fields = parts[1].array
            else { return nil }
            var frame: ByteBuffer?
            var index = 0
            while index + 1 < fields.count {
                if fields[index].string == "f" { frame = fields[index + 1].buffer }
                index += 2
            }
            guard let frame, id >= oldest else { return nil }
            return RetainedMessage(offset: id, channel: channel, frame: frame)
        }
        return since == nil ? entries.reversed() : entries
    }
}
