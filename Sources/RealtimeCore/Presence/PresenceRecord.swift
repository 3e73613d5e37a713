import SocketIOProtocol

/// One member of one channel, as stored in the presence hash.
public struct PresenceRecord: Sendable, Equatable {
    /// The member's socket id.
    public var id: String
    /// Per-connection metadata; null before any `update`.
    public var data: JSONValue
    /// The edge holding the connection (for dead-node cleanup).
    public var node: String
    public var userId: String?

    public init(id: String, data: JSONValue = .null, node: String, userId: String? = nil) {
        self.id = id
        self.data = data
        self.node = node
        self.userId = userId
    }

    /// `{id, data}`: what clients see in `members` and channel events.
    public var publicJSON: JSONValue { .object(["id": .string(id), "data": data]) }

    /// The stored form, with the node and user kept for cleanup and user events.
    public var storedJSON: JSONValue {
        var object: [String: JSONValue] = ["id": .string(id), "data": data, "node": .string(node)]
        if let userId { object["userId"] = .string(userId) }
        return .object(object)
    }

    public init?(stored: JSONValue) {
        guard let id = stored["id"]?.stringValue, let node = stored["node"]?.stringValue else { return nil }
        self.init(id: id, data: stored["data"] ?? .null, node: node, userId: stored["userId"]?.stringValue)
    }
}

/// A channel with its cluster-wide member count.
public struct ChannelSummary: Sendable, Equatable, Codable {
    public var channel: String
    public var members: Int
    public init(channel: String, members: Int) {
        self.channel = channel
        self.members = members
    }
}
