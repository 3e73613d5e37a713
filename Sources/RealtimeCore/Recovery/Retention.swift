/// What the backend keeps of one publish besides delivering it: an entry in the
/// recovery log (when recovery is on) and one in the channel's history (when its rule
/// has `history`). Decided by the edge from the settings in force; nil keeps nothing,
/// and the publish costs what it always did.
public struct Retention: Sendable, Hashable {
    /// Keep the message in the recovery log this long (`maxDisconnectionSeconds`); the
    /// delivered frame then carries its offset as its last argument.
    public var recoverySeconds: Int?
    /// Keep it in the channel's history.
    public var history: HistoryPolicy?

    public init(recoverySeconds: Int? = nil, history: HistoryPolicy? = nil) {
        self.recoverySeconds = recoverySeconds
        self.history = history
    }

    /// What a publish to `topic` keeps, or nil when nothing: user events never are,
    /// broadcasts only for recovery, channel messages also for their rule's history.
    public static func of(_ topic: Topic, recovery: RecoverySettings, rule: ChannelRule?) -> Retention? {
        let seconds = recovery.enabled ? recovery.maxDisconnectionSeconds : nil
        switch topic {
        case .user:
            return nil
        case .broadcast:
            return seconds.map { Retention(recoverySeconds: $0) }
        case .channel:
            guard seconds != nil || rule?.history != nil else { return nil }
            return Retention(recoverySeconds: seconds, history: rule?.history)
        }
    }
}
