import Foundation
import NIOCore
import SocketIOProtocol

/// A message read back from the recovery log or a channel's history: the frame as it
/// was published (without an offset), where it went and when.
public struct RetainedMessage: Sendable {
    public var offset: LogOffset
    /// The channel, or nil for a broadcast.
    public var channel: String?
    /// The published Engine.IO frame, `42["<eventName>",{channel, message}]`.
    public var frame: ByteBuffer
    /// The sender, when it published with echo off: it must not get it back either.
    public var excluding: String?

    public init(offset: LogOffset, channel: String?, frame: ByteBuffer, excluding: String? = nil) {
        self.offset = offset
        self.channel = channel
        self.frame = frame
        self.excluding = excluding
    }

    /// When it was published: the offset's milliseconds.
    public var publishedAtMilliseconds: UInt64 { offset.milliseconds }

    /// `{offset, eventName, message, publishedAt}` for the `history` answers; nil when
    /// the stored frame cannot be read (never written by this broker).
    public var historyJSON: JSONValue? {
        guard let packet = try? EngineIOCodec.decode(frame.readableBytesView), case .message(let event) = packet,
            let name = event.eventName
        else { return nil }
        let published = Date(timeIntervalSince1970: Double(publishedAtMilliseconds) / 1000)
        return .object([
            "offset": .string(offset.description),
            "eventName": .string(name),
            "message": event.eventArguments.first?["message"] ?? .null,
            "publishedAt": .string(ISO8601.format(published)),
        ])
    }
}
