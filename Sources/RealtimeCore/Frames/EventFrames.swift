import NIOCore
import SocketIOProtocol

/// Builds the outgoing Engine.IO text frames of PROTOCOL.md §2, once per message.
public enum EventFrames {
    /// `42["<name>", arg0, arg1…]`
    public static func event(_ name: String, _ args: [JSONValue]) -> ByteBuffer {
        let bytes = EngineIOCodec.encodeMessage(.event(name, args))
        return ByteBuffer(bytes: bytes)
    }

    /// `<eventName>` `{channel, message}`; channel is null for a broadcast.
    public static func message(eventName: String, channel: String?, message: JSONValue) -> ByteBuffer {
        self.message(eventName: eventName, channel: channel, serializedMessage: message.serialized)
    }

    /// The same, splicing an already serialized message (its size was just checked)
    /// so the body is serialized exactly once.
    public static func message(eventName: String, channel: String?, serializedMessage: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(serializedMessage.count + eventName.utf8.count + (channel?.utf8.count ?? 4) + 32)
        buffer.writeString("42[")
        buffer.writeBytes(JSONValue.string(eventName).serialized)
        buffer.writeString(",{\"channel\":")
        buffer.writeBytes((channel.map(JSONValue.string) ?? .null).serialized)
        buffer.writeString(",\"message\":")
        buffer.writeBytes(serializedMessage)
        buffer.writeString("}]")
        return buffer
    }

    /// `channel:join|leave|update` `{channel, message: {id, data}}`.
    public static func presence(_ kind: PresenceEventKind, channel: String, member: PresenceRecord) -> ByteBuffer {
        event(kind.rawValue, [.object(["channel": .string(channel), "message": member.publicJSON])])
    }

    /// `realtime:error` `{code, message, event}` for a failure without an ack.
    public static func error(_ error: RealtimeError, event eventName: String) -> ByteBuffer {
        event(
            "realtime:error",
            [
                .object([
                    "code": .string(error.code.rawValue),
                    "message": .string(error.message),
                    "event": .string(eventName),
                ])
            ])
    }
}

public enum PresenceEventKind: String, Sendable {
    case join = "channel:join"
    case leave = "channel:leave"
    case update = "channel:update"
}
