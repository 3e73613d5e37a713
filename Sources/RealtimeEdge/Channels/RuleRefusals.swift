import Synchronization

/// Refusals by channel rule (its `match`) and action (`join`, `publish`, `members`),
/// since the edge started: `/stats` `channelRuleRefusals` and the Prometheus counter
/// `realtime_channel_rule_refusals_total{rule, action}`. Refusals are rare next to
/// messages, so one lock is enough.
public final class RuleRefusals: Sendable {
    public enum Action: String, Sendable, CaseIterable {
        case join, publish, members
    }

    private let counts = Mutex<[String: [String: Int64]]>([:])

    public init() {}

    func count(rule: String, action: Action) {
        counts.withLock { $0[rule, default: [:]][action.rawValue, default: 0] += 1 }
    }

    /// rule match → action → refusals.
    public var snapshot: [String: [String: Int64]] { counts.withLock { $0 } }
}
