import SocketIOProtocol

/// One member of a channel: a connected client that joined it.
public struct Member: Sendable, Hashable {
    /// The member's Socket.IO socket id.
    public var id: String
    /// The metadata the client set with `update`; `null` before any update.
    public var data: JSONValue

    public init(id: String, data: JSONValue = .null) {
        self.id = id
        self.data = data
    }

    /// Reads `{id, data}`; nil when the entry does not have that shape.
    init?(json: JSONValue) {
        guard let id = json["id"]?.stringValue else { return nil }
        self.init(id: id, data: json["data"] ?? .null)
    }
}
