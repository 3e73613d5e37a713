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
    /// False on a backend that keeps no messages: recovery and history settings then
    /// retain nothing (they are refused when set through this edge).
    private let backendRetains: Bool

    public init(_ settings: RealtimeSettings, backendRetains: Bool = true) {
        box = Mutex(InForce(settings: settings, rules: ChannelRuleBook(settings.channelRules)))
        self.backendRetains = backendRetains
    }

    public var current: RealtimeSettings { box.withLock { $0.settings } }

    /// Whether sessions get a `pid` and can be recovered.
    public var recoveryEnabled: Bool { backendRetains && current.recovery.enabled }

    /// The rule for a channel, or nil when the channel is open (no rule matches).
    public func rule(for channel: String) -> ChannelRule? {
        box.withLock { $0.rules.isEmpty ? nil : $0.rules.rule(for: channel) }
    }

    /// What a publish to `topic` meets, under one lock: its channel's rule (nil when open)
    /// and what it keeps (recovery log, channel history; nil when nothing).
    public func publishing(to topic: Topic) -> (rule: ChannelRule?, retention: Retention?) {
        box.withLock { inForce in
            let rule: ChannelRule? =
                if case .channel(let name) = topic, !inForce.rules.isEmpty { inForce.rules.rule(for: name) } else { nil }
            return (rule, backendRetains ? Retention.of(topic, recovery: inForce.settings.recovery, rule: rule) : nil)
        }
    }

    /// What a publish to `topic` keeps; nil when nothing.
    public func retention(for topic: Topic) -> Retention? {
        publishing(to: topic).retention
    }

    public func replace(_ settings: RealtimeSettings) {
        let rules = ChannelRuleBook(settings.channelRules)
        box.withLock { $0 = InForce(settings: settings, rules: rules) }
    }
}
