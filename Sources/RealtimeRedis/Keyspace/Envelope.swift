import NIOCore
import RealtimeCore

/// The pub/sub payload: `<published at> <excluded socket id>\n<frame>`. The publish
/// time is `WallClock` microseconds (for the delivery-latency histogram), the id is
/// empty when none is excluded, and the frame is the finished Engine.IO text, so
/// receiving edges write it unchanged.
///
/// Decoding also takes the older `<excluded socket id>\n<frame>` (no time), so edges
/// of two releases can share a Redis during a rolling upgrade: socket ids hold no
/// spaces, so a leading number and a space can only be a time.
public enum Envelope {
    public static func encode(frame: ByteBuffer, excluding: String?, publishedAt: Int64 = WallClock.microseconds()) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(frame.readableBytes + (excluding?.utf8.count ?? 0) + 22)
        buffer.writeString(String(publishedAt))
        buffer.writeInteger(UInt8(ascii: " "))
        if let excluding { buffer.writeString(excluding) }
        buffer.writeInteger(UInt8(ascii: "\n"))
        buffer.writeImmutableBuffer(frame)
        return buffer
    }

    /// Splits a payload without copying the frame; nil when malformed. `publishedAt`
    /// is nil for an envelope without a time.
    public static func decode(_ payload: ByteBuffer) -> (excluding: String?, frame: ByteBuffer, publishedAt: Int64?)? {
        let bytes = payload.readableBytesView
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        var idStart = payload.readerIndex
        var publishedAt: Int64?
        if let space = bytes[..<newline].firstIndex(of: UInt8(ascii: " ")), space > idStart,
            bytes[idStart..<space].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let time = payload.getString(at: idStart, length: space - idStart).flatMap({ Int64($0) })
        {
            publishedAt = time
            idStart = space + 1
        }
        let idLength = newline - idStart
        let excluding = idLength == 0 ? nil : payload.getString(at: idStart, length: idLength)
        guard let frame = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1) else { return nil }
        return (excluding, frame, publishedAt)
    }
}
