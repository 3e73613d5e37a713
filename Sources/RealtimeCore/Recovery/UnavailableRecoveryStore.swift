/// The recovery store of a backend that cannot keep messages (a Redis Cluster, for
/// now: the recovery log is one stream and a publish would span two hash slots).
/// The edge then hands out no `pid`, retains nothing, refuses settings that ask for
/// recovery or history with `reason`, and answers history reads with it.
public struct UnavailableRecoveryStore: RecoveryStore {
    public let reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var unavailableReason: String? { reason }

    public func save(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws {}
    public func keep(_ snapshot: SessionSnapshot, pid: String, ttlSeconds: Int) async throws -> SnapshotKeep { .absent }
    public func refresh(pids: [String], ttlSeconds: Int) async throws {}
    public func take(pid: String) async throws -> SessionSnapshot? { nil }
    public func discard(pid: String) async throws {}
    public func missed(after offset: LogOffset, channels: Set<String>, sid: String) async throws -> MissedMessages? { nil }

    public func history(of channel: String, policy: HistoryPolicy, limit: Int, since: LogOffset?) async throws -> [RetainedMessage] {
        throw RealtimeError(.notAllowed, "channel history is unavailable: \(reason)")
    }
}
