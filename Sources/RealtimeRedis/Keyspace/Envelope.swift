import NIOCore
import RealtimeCore

/// The pub/sub payload: `<excluded socket id>\n<frame>` (empty id when none). The
/// frame is the finished Engine.IO text, so receiving edges write it unchanged.
public enum Envelope {
    public static func encode(frame: ByteBuffer, excluding: String?) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frame.readableBytes + (excluding?.utf8.count ?? 0) + 1)
        if let excluding { buffer.writeString(excluding) }
        buffer.writeInteger(UInt8(ascii: "\n"))
        buffer.writeImmutableBuffer(frame)
        return buffer
    }

    /// Splits a payload without copying the frame; nil when malformed.
    public static func decode(_ payload: ByteBuffer) -> (excluding: String?, frame: ByteBuffer)? {
        guard let newline = payload.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let idLength = newline - payload.readerIndex
        let excluding = idLength == 0 ? nil : payload.getString(at: payload.readerIndex, length: idLength)
        guard let frame = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1) else { return nil }
        return (excluding, frame)
    }
}
