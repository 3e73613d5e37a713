import SocketIOProtocol

/// One message of a channel's history (channels whose rule keeps one).
public struct HistoryEntry: Sendable, Hashable {
    /// Opaque; pass the last one seen as `since` to read only newer messages.
    public var offset: String
    public var eventName: String
    public var message: JSONValue
    /// ISO 8601, milliseconds, UTC.
    public var publishedAt: String

    public init(offset: String, eventName: String, message: JSONValue, publishedAt: String) {
        self.offset = offset
        self.eventName = eventName
        self.message = message
        self.publishedAt = publishedAt
    }

    /// Reads `{offset, eventName, message, publishedAt}`; nil for any other shape.
    init?(json: JSONValue) {
        guard let offset = json["offset"]?.stringValue, let eventName = json["eventName"]?.stringValue,
            let publishedAt = json["publishedAt"]?.stringValue
        else { return nil }
        self.init(offset: offset, eventName: eventName, message: json["message"] ?? .null, publishedAt: publishedAt)
    }
}
