import Foundation

/// The Realtime tab of the original Studio, as data (PROTOCOL.md §4): the one
/// definition the server (RealtimeCore) and the server SDK (RealtimeServerClient, as
/// `RealtimeSettingsDocument`) share. Stored in the backend (Redis or memory) once
/// seeded; every edge applies changes live. A `PUT` replaces the whole document:
/// fields left out take their defaults.
public struct RealtimeSettings: Codable, Sendable, Hashable {
    /// When false, new connections are refused with `realtime_not_allowed`.
    public var enabled: Bool
    /// When true, clients must present one of `apiKeys` in their handshake.
    public var apiKeyRequired: Bool
    /// When true, clients must present a valid session token in their handshake.
    public var sessionRequired: Bool
    /// The API keys clients may present; keys must be unique.
    public var apiKeys: [APIKey]
    /// Limits applied in order to every client event, counted cluster-wide.
    public var rateLimits: [RateLimit]
    /// When a `user:signout` user event carries a session id, end that session's
    /// connections too. Off by default (an extension: the original never did).
    public var signoutEndsSessions: Bool
    /// Who may join and publish where, presence on or off, history (PROTOCOL.md §9).
    public var channelRules: [ChannelRule]
    /// Asked by `"webhook"` join rules.
    public var authWebhook: AuthWebhook?
    /// Connection state recovery (PROTOCOL.md §8); off by default.
    public var recovery: RecoverySettings
    /// Which change this is (SPEC §7): a seed file is version 0, and every change
    /// stored through the API or CLI gets a higher one, so the edges can tell the
    /// newest settings from stale ones (after Redis lost them, say). Assigned by the
    /// server: a version in a `PUT` body or settings file is ignored.
    public var version: Int64 = 0

    public init(
        enabled: Bool = true,
        apiKeyRequired: Bool = false,
        sessionRequired: Bool = false,
        apiKeys: [APIKey] = [],
        rateLimits: [RateLimit] = [],
        signoutEndsSessions: Bool = false,
        channelRules: [ChannelRule] = [],
        authWebhook: AuthWebhook? = nil,
        recovery: RecoverySettings = .off
    ) {
        self.enabled = enabled
        self.apiKeyRequired = apiKeyRequired
        self.sessionRequired = sessionRequired
        self.apiKeys = apiKeys
        self.rateLimits = rateLimits
        self.signoutEndsSessions = signoutEndsSessions
        self.channelRules = channelRules
        self.authWebhook = authWebhook
        self.recovery = recovery
    }

    /// The embedded default: realtime on, no key or session required.
    public static let `default` = RealtimeSettings()

    // Every field optional on input so a partial settings file or PUT body works.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RealtimeSettings.default
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        apiKeyRequired = try c.decodeIfPresent(Bool.self, forKey: .apiKeyRequired) ?? d.apiKeyRequired
        sessionRequired = try c.decodeIfPresent(Bool.self, forKey: .sessionRequired) ?? d.sessionRequired
        apiKeys = try c.decodeIfPresent([APIKey].self, forKey: .apiKeys) ?? d.apiKeys
        rateLimits = try c.decodeIfPresent([RateLimit].self, forKey: .rateLimits) ?? d.rateLimits
        signoutEndsSessions = try c.decodeIfPresent(Bool.self, forKey: .signoutEndsSessions) ?? d.signoutEndsSessions
        channelRules = try c.decodeIfPresent([ChannelRule].self, forKey: .channelRules) ?? d.channelRules
        authWebhook = try c.decodeIfPresent(AuthWebhook.self, forKey: .authWebhook)
        recovery = try c.decodeIfPresent(RecoverySettings.self, forKey: .recovery) ?? d.recovery
        version = try c.decodeIfPresent(Int64.self, forKey: .version) ?? 0
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(enabled, forKey: .enabled)
        try c.encode(apiKeyRequired, forKey: .apiKeyRequired)
        try c.encode(sessionRequired, forKey: .sessionRequired)
        try c.encode(apiKeys, forKey: .apiKeys)
        try c.encode(rateLimits, forKey: .rateLimits)
        try c.encode(signoutEndsSessions, forKey: .signoutEndsSessions)
        try c.encode(channelRules, forKey: .channelRules)
        try c.encodeIfPresent(authWebhook, forKey: .authWebhook)
        try c.encode(recovery, forKey: .recovery)
        if encoder.userInfo[Self.omitVersion] as? Bool != true {
            try c.encode(version, forKey: .version)
        }
    }

    private enum CodingKeys: String, CodingKey {
        case enabled, apiKeyRequired, sessionRequired, apiKeys, rateLimits, signoutEndsSessions, channelRules, authWebhook, recovery,
            version
    }

    /// Set to true in an encoder's userInfo to leave `version` out: the Redis store
    /// lets its script put the version in, atomically with the write.
    public static let omitVersion = CodingUserInfoKey(rawValue: "realtime.settings.omitVersion")!

    /// The same settings as another version.
    public func withVersion(_ version: Int64) -> RealtimeSettings {
        var copy = self
        copy.version = version
        return copy
    }

    /// Equal apart from the version.
    public func sameContent(as other: RealtimeSettings) -> Bool {
        withVersion(0) == other.withVersion(0)
    }
}

/// A client API key, presented as `apiKey` in the Socket.IO handshake auth.
public struct APIKey: Codable, Sendable, Hashable {
    /// The key itself, 1 to 512 bytes.
    public var key: String
    /// A label for people; not checked.
    public var name: String?
    /// ISO 8601 instant after which the key is refused with `expired_api_key`.
    public var expiresAt: Date?

    public init(key: String, name: String? = nil, expiresAt: Date? = nil) {
        self.key = key
        self.name = name
        self.expiresAt = expiresAt
    }

    // expiresAt is parsed here so a bad date names its own field on every platform.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        key = try c.decode(String.self, forKey: .key)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        if let text = try c.decodeIfPresent(String.self, forKey: .expiresAt) {
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .expiresAt, in: c, debugDescription: "expected an ISO 8601 date such as 2030-01-31T12:00:00Z")
            }
            expiresAt = date
        } else {
            expiresAt = nil
        }
    }
}

/// A window of `rate` client events per `duration` seconds, per user (or per IP
/// without a session), counted across every edge.
public struct RateLimit: Codable, Sendable, Hashable {
    /// A unique name, 1 to 128 bytes.
    public var name: String
    /// Events allowed per window.
    public var rate: Int
    /// Window length in seconds.
    public var duration: Int
    /// The message clients get with `rate_limit_exceeded`.
    public var errorMessage: String

    public init(name: String, rate: Int, duration: Int, errorMessage: String) {
        self.name = name
        self.rate = rate
        self.duration = duration
        self.errorMessage = errorMessage
    }
}

extension RealtimeSettings {
    /// The nested names the server SDK has always used (`RealtimeSettingsDocument.APIKey`).
    public typealias APIKey = RealtimeSettingsModel.APIKey
    public typealias RateLimit = RealtimeSettingsModel.RateLimit
}
