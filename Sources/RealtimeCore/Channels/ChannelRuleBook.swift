/// The channel rules in force, indexed for the lookup every join and publish makes:
/// an exact name is one hash lookup, prefixes are tried longest first.
public struct ChannelRuleBook: Sendable {
    private let exact: [String: ChannelRule]
    /// (prefix without the `*`, rule), longest prefix first.
    private let prefixes: [(prefix: String, rule: ChannelRule)]

    public init(_ rules: [ChannelRule]) {
        var exact: [String: ChannelRule] = [:]
        var prefixes: [(String, ChannelRule)] = []
        for rule in rules {
            if rule.match.hasSuffix("*") {
                prefixes.append((String(rule.match.dropLast()), rule))
            } else {
                exact[rule.match] = rule
            }
        }
        self.exact = exact
        self.prefixes = prefixes.sorted { $0.0.utf8.count > $1.0.utf8.count }
    }

    public var isEmpty: Bool { exact.isEmpty && prefixes.isEmpty }

    /// The rule for `channel`, or nil when none matches (the channel is open). A name is
    /// a name, never a pattern: `private:*` as an exact rule or token names only itself.
    /// The longest match wins; an exact name is never shorter than a prefix it beats.
    public func rule(for channel: String) -> ChannelRule? {
        if let rule = exact[channel] { return rule }
        return prefixes.first { channel.hasPrefix($0.prefix) }?.rule
    }
}
