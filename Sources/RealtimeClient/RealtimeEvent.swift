@_exported import enum SocketIOProtocol.JSONValue

/// A member of a channel: its socket id and its metadata (nil before any
/// ``RealtimeClient/updateProfile(_:)``).
public struct RealtimeMember: Sendable, Hashable {
    public let id: String
    public let data: JSONValue?

    public init(id: String, data: JSONValue?) {
        self.id = id
        self.data = data
    }

    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        let data = json["data"]
        self.init(id: id, data: data == .null ? nil : data)
    }
}

/// A message received under some event name: `channel` is nil for a broadcast.
public struct ChannelMessage: Sendable, Hashable {
    public let eventName: String
    public let channel: String?
    public let message: JSONValue

    public init(eventName: String, channel: String?, message: JSONValue) {
        self.eventName = eventName
        self.channel = channel
        self.message = message
    }
}

/// A `channel:join`, `channel:leave` or `channel:update`.
public struct PresenceChange: Sendable, Hashable {
    public enum Kind: String, Sendable {
        case join, leave, update
    }

    public let kind: Kind
    public let channel: String
    public let member: RealtimeMember
}

/// A `user:*` event for the signed-in user (`user:signin`, `user:signout`, …).
public struct UserEvent: Sendable, Hashable {
    public let eventName: String
    public let session: JSONValue?
    public let user: JSONValue?
}

/// Everything a client observes, in arrival order, as delivered by
/// ``RealtimeClient/events()``.
public enum RealtimeEvent: Sendable {
    /// A handshake was accepted; `reconnected` is false only for the first one.
    case connected(id: String, reconnected: Bool)
    /// A connection ended; the client reconnects unless it was closed or refused.
    case disconnected(reason: String)
    /// A reconnect attempt is about to be made after `delay`.
    case reconnectAttempt(attempt: Int, delay: Duration)
    case message(ChannelMessage)
    case presence(PresenceChange)
    case userEvent(UserEvent)
    /// A `realtime:error`, a refused handshake or a failed restore after a reconnect.
    case error(RealtimeClientError)
}
