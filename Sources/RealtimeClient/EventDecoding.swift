import NIOCore
import SocketIOProtocol

/// Turns a server EVENT frame (`42["name",...]`) into a ``RealtimeEvent``.
enum EventDecoding {
    /// The event, and the offset a message event carries as its last argument when the
    /// server offers connection state recovery.
    static func decodeWithOffset(frame: ByteBuffer) -> (event: RealtimeEvent, offset: String?)? {
        // Drop the Engine.IO "message" type byte; the rest is a Socket.IO packet.
        guard frame.readableBytes > 1,
            let packet = try? SocketIOCodec.decode(frame.readableBytesView.dropFirst()),
            let name = packet.eventName
        else { return nil }
        let args = packet.eventArguments
        guard let event = decode(name: name, args: args) else { return nil }
        guard case .message = event, args.count > 1 else { return (event, nil) }
        return (event, args.last?.stringValue)
    }

    static func decode(frame: ByteBuffer) -> RealtimeEvent? {
        decodeWithOffset(frame: frame)?.event
    }

    private static func decode(name: String, args: [JSONValue]) -> RealtimeEvent? {
        switch name {
        case "channel:join", "channel:leave", "channel:update":
            let kind: PresenceChange.Kind = name == "channel:join" ? .join : name == "channel:leave" ? .leave : .update
            guard let payload = args.first, let channel = payload["channel"]?.stringValue,
                let member = payload["message"].flatMap(RealtimeMember.init(json:))
            else { return nil }
            return .presence(PresenceChange(kind: kind, channel: channel, member: member))
        case "realtime:error":
            return RealtimeClientError(json: args.first).map(RealtimeEvent.error)
        case _ where name.hasPrefix("user:"):
            // Arguments are (eventName, session, user), as the original client's handler received them.
            let rest = args.first?.stringValue == name ? Array(args.dropFirst()) : args
            return .userEvent(
                UserEvent(
                    eventName: name, session: rest.count > 0 ? rest[0] : nil, user: rest.count > 1 ? rest[1] : nil))
        default:
            let payload = args.first
            return .message(
                ChannelMessage(
                    eventName: name, channel: payload?["channel"]?.stringValue, message: payload?["message"] ?? .null))
        }
    }
}
