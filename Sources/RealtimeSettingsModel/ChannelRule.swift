/// Who may do what in the channels a rule matches (PROTOCOL.md §9). A channel no rule
/// matches behaves as `ChannelRule.open`: anyone joins and publishes, presence on,
/// no history.
public struct ChannelRule: Codable, Sendable, Hashable {
    /// A channel name, or a prefix ending in `*` (`private:*`). The longest match wins;
    /// an exact name beats a prefix of the same length.
    public var match: String
    public var join: JoinPolicy
    public var publish: PublishPolicy
    /// False: no `channel:join/leave/update` announcements and `members` is refused,
    /// for very large channels.
    public var presence: Bool
    /// The last messages kept for the channel (connection state recovery, §8).
    public var history: HistoryPolicy?

    public init(
        match: String, join: JoinPolicy = .anyone, publish: PublishPolicy = .anyone, presence: Bool = true,
        history: HistoryPolicy? = nil
    ) {
        self.match = match
        self.join = join
        self.publish = publish
        self.presence = presence
        self.history = history
    }

    /// What an unmatched channel gets: today's behaviour.
    public static func open(_ channel: String) -> ChannelRule { ChannelRule(match: channel) }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            match: try c.decode(String.self, forKey: .match),
            join: try c.decodeIfPresent(JoinPolicy.self, forKey: .join) ?? .anyone,
            publish: try c.decodeIfPresent(PublishPolicy.self, forKey: .publish) ?? .anyone,
            presence: try c.decodeIfPresent(Bool.self, forKey: .presence) ?? true,
            history: try c.decodeIfPresent(HistoryPolicy.self, forKey: .history))
    }
}

/// Who may join a channel.
public enum JoinPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case anyone
    /// The connection must have a session.
    case session
    /// The join carries a channel token: a JWT for that exact channel (and user).
    case token
    /// The application decides, asked over `authWebhook`.
    case webhook

    public init(from decoder: any Decoder) throws {
        self = try decodeNamedCase(decoder)
    }
}

/// Who may publish client messages to a channel (the server API always may).
public enum PublishPolicy: String, Codable, Sendable, Hashable, CaseIterable {
    case anyone
    /// Only members of the channel.
    case members
    /// Only the server API; client messages are refused.
    case server

    public init(from decoder: any Decoder) throws {
        self = try decodeNamedCase(decoder)
    }
}

/// The last `size` messages of a channel, kept for `ttlSeconds`.
public struct HistoryPolicy: Codable, Sendable, Hashable {
    public var size: Int
    public var ttlSeconds: Int

    public init(size: Int, ttlSeconds: Int) {
        self.size = size
        self.ttlSeconds = ttlSeconds
    }
}

/// Decodes a string enum with an error that lists the allowed values.
private func decodeNamedCase<T: RawRepresentable & CaseIterable>(_ decoder: any Decoder) throws -> T where T.RawValue == String {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    guard let value = T(rawValue: text) else {
        let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be one of \(allowed), not \"\(text)\"")
    }
    return value
}
