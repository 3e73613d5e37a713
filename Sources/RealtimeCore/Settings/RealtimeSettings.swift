import Foundation

/// The Realtime tab of the original Studio, as data (SPEC §4). Stored in the broker
/// (Redis or memory) once seeded; every edge applies changes live.
public struct RealtimeSettings: Codable, Sendable, Equatable {
    public var enabled: Bool
    public var apiKeyRequired: Bool
    public var sessionRequired: Bool
    public var apiKeys: [APIKey]
    public var rateLimits: [RateLimit]
    /// When a `user:signout` user event carries a session id, end that session's
    /// connections too. Off by default (SPEC is silent; the original never did).
    public var signoutEndsSessions: Bool

    public init(
        enabled: Bool = true,
        apiKeyRequired: Bool = false,
        sessionRequired: Bool = false,
        apiKeys: [APIKey] = [],
        rateLimits: [RateLimit] = [],
        signoutEndsSessions: Bool = false
    ) {
        self.enabled = enabled
        self.apiKeyRequired = apiKeyRequired
        self.sessionRequired = sessionRequired
        self.apiKeys = apiKeys
        self.rateLimits = rateLimits
        self.signoutEndsSessions = signoutEndsSessions
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
    }
}

public struct APIKey: Codable, Sendable, Equatable {
    public var key: String
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

public struct RateLimit: Codable, Sendable, Equatable {
    public var name: String
    /// Events allowed per window.
    public var rate: Int
    /// Window length in seconds.
    public var duration: Int
    public var errorMessage: String

    public init(name: String, rate: Int, duration: Int, errorMessage: String) {
        self.name = name
        self.rate = rate
        self.duration = duration
        self.errorMessage = errorMessage
    }
}
