/// The Realtime settings as the server API reads and writes them (`GET`/`PUT /api/v1/config`).
///
/// A `PUT` replaces the whole document: fields left out take their defaults, so read,
/// change and write back (``RealtimeServerClient/getConfig()`` then
/// ``RealtimeServerClient/setConfig(_:)``) to change one field.
public struct RealtimeSettingsDocument: Sendable, Hashable, Codable {
    /// When false, new connections are refused with `realtime_not_allowed`.
    public var enabled: Bool
    /// When true, clients must present one of ``apiKeys`` in their handshake.
    public var apiKeyRequired: Bool
    /// When true, clients must present a valid session token in their handshake.
    public var sessionRequired: Bool
    /// The API keys clients may present; keys must be unique.
    public var apiKeys: [APIKey]
    /// Limits applied in order to every client event, counted cluster-wide.
    public var rateLimits: [RateLimit]
    /// Whether a `user:signout` user event also ends the connections of the session it names.
    /// An extension to SPEC §4; off by default.
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

    /// Reads the document; a field the server leaves out takes its default.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            enabled: try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? true,
            apiKeyRequired: try c.decodeIfPresent(Bool.self, forKey: .apiKeyRequired) ?? false,
            sessionRequired: try c.decodeIfPresent(Bool.self, forKey: .sessionRequired) ?? false,
            apiKeys: try c.decodeIfPresent([APIKey].self, forKey: .apiKeys) ?? [],
            rateLimits: try c.decodeIfPresent([RateLimit].self, forKey: .rateLimits) ?? [],
            signoutEndsSessions: try c.decodeIfPresent(Bool.self, forKey: .signoutEndsSessions) ?? false)
    }
}
