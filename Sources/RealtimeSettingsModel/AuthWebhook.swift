/// The application's endpoint that decides joins under a `"webhook"` channel rule:
/// the edge POSTs `{action, channel, userId, connectionId}` signed with `secret`
/// (`X-Realtime-Signature: sha256=<hex HMAC>`); a 200 `{"allow": true}` allows.
public struct AuthWebhook: Codable, Sendable, Hashable {
    /// An `http://` or `https://` URL.
    public var url: String
    /// The HMAC-SHA256 key of the signature; never shown in logs.
    public var secret: String
    /// No answer within this many milliseconds denies.
    public var timeoutMs: Int
    /// How long an answer (allow or deny) is reused for the same question; 0: never.
    public var cacheSeconds: Int

    public static let defaultTimeoutMs = 2000

    public init(url: String, secret: String, timeoutMs: Int = AuthWebhook.defaultTimeoutMs, cacheSeconds: Int = 0) {
        self.url = url
        self.secret = secret
        self.timeoutMs = timeoutMs
        self.cacheSeconds = cacheSeconds
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            url: try c.decode(String.self, forKey: .url),
            secret: try c.decode(String.self, forKey: .secret),
            timeoutMs: try c.decodeIfPresent(Int.self, forKey: .timeoutMs) ?? Self.defaultTimeoutMs,
            cacheSeconds: try c.decodeIfPresent(Int.self, forKey: .cacheSeconds) ?? 0)
    }
}
