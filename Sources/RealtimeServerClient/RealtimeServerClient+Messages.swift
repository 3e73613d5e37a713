import Foundation
import SocketIOProtocol

extension RealtimeServerClient {
    /// Sends an event to every member of a channel, on every edge.
    ///
    /// Members receive `eventName` with `{channel, message}`. The server answers 202 once
    /// the message is published; delivery to each member follows.
    ///
    /// - Parameters:
    ///   - channel: The channel name (1 to 256 UTF-8 bytes, no control characters).
    ///   - eventName: The event clients listen for; names starting with `channel:`,
    ///     `user:` or `realtime:` and Socket.IO's reserved names are refused.
    ///   - message: Any JSON value, at most 64 KiB once serialised (the edge's limit).
    /// - Throws: ``RealtimeServerError/invalidRequest(code:message:)`` for a bad channel or
    ///   event name, ``RealtimeServerError/payloadTooLarge`` past the limit.
    public func send(channel: String, eventName: String, message: JSONValue) async throws {
        try await post(channelMessagesPath(channel), body: Self.eventBody(eventName, message))
    }

    /// Sends an event to every member of a channel, with a message encoded by `encoder`.
    ///
    /// The same as ``send(channel:eventName:message:)-(_,_,JSONValue)`` for any `Encodable` message.
    public func send<Message: Encodable>(
        channel: String, eventName: String, message: Message, encoder: JSONEncoder = JSONEncoder()
    ) async throws {
        let body = try encoder.encode(EventBody(eventName: eventName, message: message))
        try await post(channelMessagesPath(channel), body: Array(body))
    }

    /// Sends an event to every connected client of the application, on every edge.
    ///
    /// Clients receive `eventName` with `{channel: null, message}`.
    public func broadcast(eventName: String, message: JSONValue) async throws {
        try await post("/api/v1/broadcast", body: Self.eventBody(eventName, message))
    }

    /// Sends an event to every connected client, with a message encoded by `encoder`.
    public func broadcast<Message: Encodable>(
        eventName: String, message: Message, encoder: JSONEncoder = JSONEncoder()
    ) async throws {
        let body = try encoder.encode(EventBody(eventName: eventName, message: message))
        try await post("/api/v1/broadcast", body: Array(body))
    }

    // MARK: - Request bodies and paths

    private struct EventBody<Message: Encodable>: Encodable {
        var eventName: String
        var message: Message
    }

    private static func eventBody(_ eventName: String, _ message: JSONValue) -> [UInt8] {
        JSONValue.object(["eventName": .string(eventName), "message": message]).serialized
    }

    private func channelMessagesPath(_ channel: String) throws -> String {
        let segment = try Self.channelSegment(channel)
        return "/api/v1/channels/\(segment)/messages"
    }

    /// The percent-encoded channel; an empty name is refused here, as it has no path.
    static func channelSegment(_ channel: String) throws(RealtimeServerError) -> String {
        guard !channel.isEmpty else {
            throw .invalidRequest(code: "invalid_channel", message: "channel name must be 1 to 256 UTF-8 bytes")
        }
        return PathSegment.encode(channel)
    }

    /// POSTs a JSON body; the answer (202) carries nothing the caller needs.
    func post(_ path: String, body: [UInt8]) async throws {
        _ = try await perform(.POST, path, body: body)
    }
}
