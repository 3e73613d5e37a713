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
        writeDecimal(max(0, publishedAt), to: &buffer)
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
        if let space = bytes[..<newline].firstIndex(of: UInt8(ascii: " ")), let time = decimal(bytes[idStart..<space]) {
            publishedAt = time
            idStart = space + 1
        }
        let idLength = newline - idStart
        let excluding = idLength == 0 ? nil : payload.getString(at: idStart, length: idLength)
        guard let frame = payload.getSlice(at: newline + 1, length: payload.writerIndex - newline - 1) else { return nil }
        return (excluding, frame, publishedAt)
    }

    // Digits straight to and from bytes: a 16-digit String would be a heap allocation
    // per message on both the publishing and every receiving edge.
    private static func writeDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 19 digits, 24 bytes
        var count = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            var rest = UInt64(value)
            repeat {
                raw[23 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[(24 - count)...]))
        }
    }

    /// The value of 1 to 18 ASCII digits; nil for anything else (an id, an empty field).
    private static func decimal(_ digits: ByteBufferView.SubSequence) -> Int64? {
        guard !digits.isEmpty, digits.count <= 18 else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
