import RealtimeCore
import Synchronization

/// The settings in force on this edge: read on every handshake, replaced when
/// the cluster announces a change. The channel rules are indexed once per change,
/// not per join or publish.
public final class EnforcedSettings: Sendable {
    private struct InForce {
        var settings: RealtimeSettings
        var rules: ChannelRuleBook
    }
    private let box: Mutex<InForce>

    public init(_ settings: RealtimeSettings) {
        box = Mutex(InForce(settings: settings, rules: ChannelRuleBook(settings.channelRules)))
    }

    public var current: RealtimeSettings { box.withLock { $0.settings } }

    /// The rule for a channel, or nil when the channel is open (no rule matches).
    public func rule(for channel: String) -> ChannelRule? {
        box.withLock { $0.rules.isEmpty ? nil : $0.rules.rule(for: channel) }
    }

    /// What a publish to `topic` keeps (recovery log, channel history); nil when nothing.
    public func retention(for topic: Topic) -> Retention? {
        let (recovery, rule) = box.withLock { inForce -> (RecoverySettings, ChannelRule?) in
            guard case .channel(let name) = topic, !inForce.rules.isEmpty else { return (inForce.settings.recovery, nil) }
            return (inForce.settings.recovery, inForce.rules.rule(for: name))
        }
        return Retention.of(topic, recovery: recovery, rule: rule)
    }

    public func replace(_ settings: RealtimeSettings) {
        let rules = ChannelRuleBook(settings.channelRules)
        box.withLock { $0 = InForce(settings: settings, rules: rules) }
    }
}
