/// What an edge can be subscribed to: a channel, the app-wide broadcast, or one user's events.
public enum Topic: Hashable, Sendable, CustomStringConvertible {
    case channel(String)
    case broadcast
    case user(String)

    public var description: String {
        switch self {
        case .channel(let name): "channel \(name)"
        case .broadcast: "broadcast"
        case .user(let id): "user \(id)"
        }
    }
}
