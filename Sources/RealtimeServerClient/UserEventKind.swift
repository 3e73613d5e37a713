/// The user events an application backend can send to a user's connections.
///
/// Clients receive them as the Socket.IO event `user:<kind>` with the arguments
/// `(eventName, session, user)`.
public enum UserEventKind: String, Sendable, CaseIterable, Hashable {
    case signin
    case signout
    case pwdchange
    case emailchange
    case phonechange
    case update
    case delete

    /// The event name on the wire, such as `user:signin`.
    public var eventName: String { "user:" + rawValue }
}
