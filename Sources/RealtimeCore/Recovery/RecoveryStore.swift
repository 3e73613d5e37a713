/// Where recoverable sessions and retained messages live (PROTOCOL.md §8). Messages get
/// there with their publish (`MessageBus.publish(…, retaining:)`), in the same backend
/// call; this seam reads them back and keeps the session snapshots.
public protocol RecoveryStore: Sendable {
    /// Stores (or replaces) a session's snapshot under its private id for `ttlSeconds`.
    func save(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws
    /// Rewrites a snapshot only if the stored one is still this connection's (same
    /// `owner`), for `ttlSeconds`, and says what it found.
    func keep(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws -> SnapshotKeep
    /// Restarts the clock of snapshots that still exist (the session is still live).
    func refresh(pids: [String], ttlSeconds: Int) async throws
    /// Removes and returns a snapshot: only one connection can recover a session.
    func take(pid: String) async throws -> SessionSnapshot?
    /// Forgets a session that ended for good (the client said DISCONNECT).
    func discard(pid: String) async throws
    /// The messages published after `offset` to `channels` or to everyone, except those
    /// whose sender excluded `sid`, oldest first, and the last offset the log held when
    /// read (live deliveries up to it are covered by the replay). Nil when messages after
    /// `offset` may have been dropped (too old, or the log was lost): no recovery then.
    func missed(after offset: LogOffset, channels: Set<String>, sid: String) async throws -> MissedMessages?
    /// A channel's history, oldest first: the newest `limit` messages, or with `since`
    /// the first `limit` after it (the next page).
    func history(of channel: String, policy: HistoryPolicy, limit: Int, since: LogOffset?) async throws -> [RetainedMessage]
    /// Why this backend keeps no messages (no recovery, no history), or nil when it does.
    var unavailableReason: String? { get }
}

extension RecoveryStore {
    public var unavailableReason: String? { nil }
}

/// What `RecoveryStore.keep` found under a pid.
public enum SnapshotKeep: Sendable, Equatable {
    /// The writer's own snapshot, now rewritten.
    case kept
    /// None (expired, lost with the backend's data, or just taken by a recovery).
    case absent
    /// Another connection's: the session was recovered on it.
    case recovered
}

/// What a recovering session missed.
public struct MissedMessages: Sendable {
    public var messages: [RetainedMessage]
    /// The newest offset the log held when read.
    public var upTo: LogOffset

    public init(messages: [RetainedMessage], upTo: LogOffset) {
        self.messages = messages
        self.upTo = upTo
    }
}
