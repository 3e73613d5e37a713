import SocketIOProtocol

/// One message of a batch publish: to a channel's members, or to every client when
/// `channel` is nil.
public struct PublishMessage: Sendable, Equatable {
    public var channel: String?
    public var eventName: String
    public var message: JSONValue

    public init(channel: String? = nil, eventName: String, message: JSONValue) {
        self.channel = channel
        self.eventName = eventName
        self.message = message
    }

    var json: JSONValue {
        var object: [String: JSONValue] = ["eventName": .string(eventName), "message": message]
        if let channel { object["channel"] = .string(channel) }
        return .object(object)
    }
}

extension RealtimeServerClient {
    /// The most messages one ``publish(_:)`` call may carry (the edge's limit).
    public static let maxBatchMessages = 1000

    /// Publishes up to ``maxBatchMessages`` messages in one request; the edge sends
    /// them in one backend round trip, in order (subscribers get them in this order).
    ///
    /// The batch is validated as a whole first: on an error nothing was published.
    ///
    /// - Returns: how many messages were published.
    /// - Throws: ``RealtimeServerError/invalidRequest(code:message:)`` naming the first bad
    ///   message (`messages[i]: …`), or for a batch over the limit.
    @discardableResult
    public func publish(_ batch: [PublishMessage]) async throws -> Int {
        let body = JSONValue.object(["messages": .array(batch.map(\.json))]).serialized
        let reply = try await perform(.POST, "/api/v1/publish", body: body)
        guard let published = (try? JSONValue.parse(reply.body))?["published"]?.doubleValue else { throw reply.unexpected }
        return Int(published)
    }
}
