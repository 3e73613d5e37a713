import NIOCore
import SocketIOProtocol

/// A user event of PROTOCOL.md §2: `user:<kind>` delivered as `(eventName, session, user)`
/// to every connection of one user. The session never carries a token.
public struct UserEvent: Sendable {
    public static let kinds: Set<String> = ["signin", "signout", "pwdchange", "emailchange", "phonechange", "update", "delete"]

    public var eventName: String
    public var session: JSONValue
    public var user: JSONValue

    /// Accepts `{eventName, session?, user?}`; eventName as `user:signin` or `signin`.
    public init(body: JSONValue) throws(RealtimeError) {
        guard body.objectValue != nil, let raw = body["eventName"]?.stringValue else {
            throw RealtimeError(.invalidPayload, "eventName: required, one of user:\(Self.kinds.sorted().joined(separator: ", user:"))")
        }
        let kind = raw.hasPrefix("user:") ? String(raw.dropFirst(5)) : raw
        guard Self.kinds.contains(kind) else {
            throw RealtimeError(
                .invalidPayload,
                "eventName: \(raw.prefix(64)) is not a user event; use one of user:\(Self.kinds.sorted().joined(separator: ", user:"))")
        }
        eventName = "user:" + kind
        session = Self.withoutTokens(body["session"] ?? .null)
        user = body["user"] ?? .null
    }

    /// The session this event is about, when it names one (`sid`, `jti`, `sessionId`, `id` or `_id`).
    public var sessionId: String? { SessionIdentity.id(of: session) }

    public var frame: ByteBuffer {
        EventFrames.event(eventName, [.string(eventName), session, user])
    }

    /// Drops every field whose name mentions a token, at any depth.
    static func withoutTokens(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let fields):
            var kept: [String: JSONValue] = [:]
            for (key, field) in fields where !key.lowercased().contains("token") {
                kept[key] = withoutTokens(field)
            }
            return .object(kept)
        case .array(let items):
            return .array(items.map(withoutTokens))
        default:
            return value
        }
    }
}
