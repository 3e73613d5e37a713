import Foundation
import NIOCore
import RealtimeCore
import RedisClient

/// The control topic's messages, one line of kind then a body: `settings\n<json>`,
/// `evicted\n<node id>`, `signout\n<user id>\n<session id or empty>`.
enum ControlMessage {
    static func signout(userId: String, sessionId: String?) -> String {
        "signout\n" + userId + "\n" + (sessionId ?? "")
    }

    static func settings(_ json: [UInt8]) -> [UInt8] {
        Array("settings\n".utf8) + json
    }

    static func evicted(nodeId: String) -> String {
        "evicted\n" + nodeId
    }
}

/// Runs on the subscriber's event loop: decodes what Redis delivered and hands it on.
enum RedisMessageRouter {
    static func route(_ message: RedisPubSubMessage, to relay: BackendEventRelay, nodeId: String, keys: RedisKeyspace = .plain) {
        let emit = relay.emit
        if let topic = keys.topic(named: message.topic) {
            guard let (excluding, frame, publishedAt) = Envelope.decode(message.payload) else { return }
            emit(
                .delivery(Delivery(topic: topic, frame: frame, excluding: excluding, publishedAt: publishedAt ?? WallClock.microseconds())))
        } else if message.topic == keys.controlTopic {
            routeControl(message.payload, nodeId: nodeId, emit: emit)
        }
    }

    private static func routeControl(_ payload: ByteBuffer, nodeId: String, emit: (BackendEvent) -> Void) {
        guard let newline = payload.readableBytesView.firstIndex(of: UInt8(ascii: "\n")),
            let kind = payload.getString(at: payload.readerIndex, length: newline - payload.readerIndex)
        else { return }
        let body = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1) ?? ByteBuffer()
        switch kind {
        case "settings":
            guard let settings = try? SettingsCoding.decode(Data(body.readableBytesView)) else { return }
            emit(.settingsChanged(settings))
        case "evicted":
            if String(buffer: body) == nodeId { emit(.evicted) }
        case "signout":
            let parts = String(buffer: body).split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard let user = parts.first, !user.isEmpty else { return }
            let session = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
            emit(.endSessions(userId: String(user), sessionId: session))
        default:
            break
        }
    }
}
