import Hummingbird
import NIOCore
import RealtimeCore
import SocketIOProtocol

/// `POST /api/v1/publish` `{messages: [{channel?, eventName, message}]}`: up to
/// `maxMessages` messages (no channel: a broadcast) published in order, in one
/// backend round trip. The whole batch is validated before anything is published,
/// so a 400 means nothing was sent.
enum PublishBatch {
    static let maxMessages = 1000
    /// Room for a full batch of ordinary messages (the per-message limit still applies).
    static let maxBodyBytes = 8 * 1024 * 1024

    static func publications(from body: JSONValue, limits: ConnectionLimits) throws -> [Delivery] {
        guard body.objectValue != nil, let messages = body["messages"]?.arrayValue else {
            throw APIError.badRequest("body must be an object {messages: [{channel?, eventName, message}]}")
        }
        guard messages.count <= maxMessages else {
            throw APIError.badRequest("a batch holds at most \(maxMessages) messages; this one has \(messages.count)")
        }
        return try messages.enumerated().map { index, item in
            do {
                return try publication(item, limits: limits)
            } catch let error as RealtimeError {
                throw APIError(status: .badRequest, code: error.code.rawValue, message: "messages[\(index)]: \(error.message)")
            } catch let error as APIError {
                throw APIError(status: error.status, code: error.code, message: "messages[\(index)]: \(error.message)")
            }
        }
    }

    private static func publication(_ item: JSONValue, limits: ConnectionLimits) throws -> Delivery {
        guard item.objectValue != nil else { throw APIError.badRequest("must be an object {channel?, eventName, message}") }
        guard let eventName = item["eventName"]?.stringValue else { throw APIError.badRequest("eventName: required string") }
        try EventNames.validateClientEventName(eventName)
        var channel: String?
        if let value = item["channel"], !value.isNull {
            guard let name = value.stringValue else { throw RealtimeError(.invalidChannel, "channel must be a string") }
            if let problem = limits.validateChannelName(name) { throw problem }
            channel = name
        }
        let message = (item["message"] ?? .null).serialized
        guard message.count <= limits.maxPayloadBytes else {
            throw APIError(
                status: .badRequest, code: "payload_too_large",
                message: "message is \(message.count) bytes; the limit is \(limits.maxPayloadBytes)")
        }
        let frame = EventFrames.message(eventName: eventName, channel: channel, serializedMessage: message)
        return Delivery(topic: channel.map(Topic.channel) ?? .broadcast, frame: frame)
    }
}
