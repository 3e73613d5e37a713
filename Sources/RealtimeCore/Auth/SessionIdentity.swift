import SocketIOProtocol

/// Finds a session's id in its claims or in a user event's session object, so a
/// signout can end exactly the connections opened with that session.
public enum SessionIdentity {
    static let keys = ["sid", "jti", "sessionId", "id", "_id"]

    public static func id(of session: JSONValue?) -> String? {
        guard let session else { return nil }
        for key in keys {
            if let value = session[key]?.stringValue, !value.isEmpty { return value }
        }
        return nil
    }
}
