import Foundation
import NIOCore
import Synchronization

/// One node's recovery log, channel histories and session snapshots, in memory. The
/// memory bus records each retained publish here before delivering it, so the offset
/// it hands out is the one the recipients see.
public final class MemoryRecoveryStore: RecoveryStore {
    fileprivate struct Entry {
        var message: RetainedMessage
        var at: UInt64
    }
    private struct State {
        // Ring buffers: a trim drops from the front in O(dropped), not O(kept).
        var log = CircularBuffer<Entry>()
        /// The newest offset ever dropped from the log (by age or length).
        var maxDropped: LogOffset?
        var last = LogOffset(milliseconds: 0, sequence: 0)
        var histories: [String: CircularBuffer<Entry>] = [:]
        var sessions: [String: (snapshot: SessionSnapshot, expires: UInt64)] = [:]
    }
    /// The log's length bound, like the Redis stream's.
    public static let maxLogEntries = 100_000
    private let state = Mutex(State())
    private let clock: @Sendable () -> UInt64

    public init(clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }) {
        self.clock = clock
    }

    /// Keeps a published message as `retention` says; returns its recovery offset when it
    /// went into the recovery log (the delivered frame must then carry it).
    func record(_ topic: Topic, frame: ByteBuffer, excluding: String?, retention: Retention) -> LogOffset? {
        let now = clock()
        let channel: String? = if case .channel(let name) = topic { name } else { nil }
        return state.withLock { s in
            let offset =
                now > s.last.milliseconds
                ? LogOffset(milliseconds: now, sequence: 0) : LogOffset(milliseconds: s.last.milliseconds, sequence: s.last.sequence + 1)
            s.last = offset
            let entry = Entry(message: RetainedMessage(offset: offset, channel: channel, frame: frame, excluding: excluding), at: now)
            if let history = retention.history, let channel {
                let horizon = now - min(now, UInt64(history.ttlSeconds) * 1000)
                s.histories[channel, default: CircularBuffer()].append(entry)
                s.histories[channel]!.dropOld(keeping: history.size, before: horizon)
            }
            guard let seconds = retention.recoverySeconds else { return nil }
            s.log.append(entry)
            let horizon = now - min(now, UInt64(seconds) * 1000)
            if let dropped = s.log.dropOld(keeping: Self.maxLogEntries, before: horizon) { s.maxDropped = dropped }
            return offset
        }
    }

    public func save(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws {
        let expires = clock() + UInt64(ttlSeconds) * 1000
        state.withLock { $0.sessions[pid] = (snapshot, expires) }
    }

    public func keep(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws -> SnapshotKeep {
        let now = clock()
        return state.withLock { s in
            guard let stored = s.sessions[pid], stored.expires > now else { return .absent }
            guard stored.snapshot.owner == snapshot.owner else { return .recovered }
            s.sessions[pid] = (snapshot, now + UInt64(ttlSeconds) * 1000)
            return .kept
        }
    }

    public func refresh(pids: [String], ttlSeconds: Int) async throws {
        let expires = clock() + UInt64(ttlSeconds) * 1000
        state.withLock { s in
            for pid in pids { s.sessions[pid]?.expires = expires }
        }
    }

    public func take(pid: String) async throws -> SessionSnapshot? {
        let now = clock()
        return state.withLock { s in
            guard let kept = s.sessions.removeValue(forKey: pid), kept.expires > now else { return nil }
            return kept.snapshot
        }
    }

    public func discard(pid: String) async throws {
        _ = state.withLock { $0.sessions.removeValue(forKey: pid) }
    }

    public func missed(after offset: LogOffset, channels: Set<String>, sid: String) async throws -> MissedMessages? {
        state.withLock { s in
            guard offset <= s.last, s.maxDropped.map({ $0 <= offset }) ?? true else { return nil }
            let messages = s.log.lazy.map(\.message).filter {
                $0.offset > offset && $0.excluding != sid && ($0.channel.map(channels.contains) ?? true)
            }
            return MissedMessages(messages: Array(messages), upTo: s.log.last?.message.offset ?? offset)
        }
    }

    public func history(of channel: String, policy: HistoryPolicy, limit: Int, since: LogOffset?) async throws -> [RetainedMessage] {
        let now = clock()
        let horizon = now - min(now, UInt64(policy.ttlSeconds) * 1000)
        return state.withLock { s in
            let kept = (s.histories[channel] ?? CircularBuffer()).filter { entry in
                entry.at >= horizon && since.map { entry.message.offset > $0 } ?? true
            }
            let count = min(limit, policy.size)
            // After `since`: the next page, oldest first; else the newest ones.
            return (since == nil ? Array(kept.suffix(count)) : Array(kept.prefix(count))).map(\.message)
        }
    }
}

extension CircularBuffer<MemoryRecoveryStore.Entry> {
    /// Drops the oldest entries beyond `count` and those older than `horizon`; returns
    /// the offset of the newest one dropped, if any.
    @discardableResult
    fileprivate mutating func dropOld(keeping count: Int, before horizon: UInt64) -> LogOffset? {
        var dropped: LogOffset?
        while let first, self.count > count || first.at < horizon {
            dropped = first.message.offset
            removeFirst()
        }
        return dropped
    }
}
