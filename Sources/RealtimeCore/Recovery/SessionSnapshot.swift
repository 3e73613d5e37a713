import SocketIOProtocol

/// What a recoverable session brings back (PROTOCOL.md §8): its socket id, its user
/// (a recovery must come from the same user), its channels and its metadata, and the
/// edge that held it (whose presence entries a recovery replaces).
public struct SessionSnapshot: Sendable, Equatable {
    public var sid: String
    /// Which connection wrote it: a recovered session keeps its sid and pid, so only
    /// this tells the old connection's late cleanup that the snapshot is not its own.
    public var owner: String
    public var userId: String?
    public var channels: [String]
    public var data: JSONValue
    public var node: String

    public init(sid: String, owner: String, userId: String?, channels: [String], data: JSONValue, node: String) {
        self.sid = sid
        self.owner = owner
        self.userId = userId
        self.channels = channels
        self.data = data
        self.node = node
    }

    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "sid": .string(sid), "owner": .string(owner), "channels": .array(channels.map(JSONValue.string)), "data": data,
            "node": .string(node),
        ]
        if let userId { object["userId"] = .string(userId) }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let sid = json["sid"]?.stringValue, let owner = json["owner"]?.stringValue, let node = json["node"]?.stringValue,
            let channels = json["channels"]?.arrayValue?.compactMap(\.stringValue)
        else { return nil }
        self.init(sid: sid, owner: owner, userId: json["userId"]?.stringValue, channels: channels, data: json["data"] ?? .null, node: node)
    }
}
