import NIOCore

/// The offset argument of delivered message events: `42["e",{…}]` becomes
/// `42["e",{…},"<offset>"]`. The stock client takes a last string argument as the
/// offset to send back when it reconnects.
public enum OffsetFrames {
    /// The frame with `offset` appended as its last argument.
    public static func appending(_ offset: LogOffset, to frame: ByteBuffer) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(frame.readableBytes + 44)
        var body = frame.getSlice(at: frame.readerIndex, length: max(frame.readableBytes - 1, 0)) ?? ByteBuffer()
        out.writeBuffer(&body)
        out.writeString(",\"\(offset)\"]")
        return out
    }

    /// The offset a frame ends with, if any; `bytes` may be a whole WebSocket frame, whose
    /// payload ends the buffer.
    public static func offset(in bytes: ByteBuffer) -> LogOffset? {
        let view = bytes.readableBytesView
        guard view.count > 5, view.last == UInt8(ascii: "]") else { return nil }
        var end = view.index(before: view.endIndex)
        guard view[view.index(before: end)] == UInt8(ascii: "\"") else { return nil }
        end = view.index(before: end)
        var start = end
        var scanned = 0
        while start > view.startIndex, scanned <= 42 {
            let previous = view.index(before: start)
            let byte = view[previous]
            if byte == UInt8(ascii: "\"") {
                guard previous > view.startIndex, view[view.index(before: previous)] == UInt8(ascii: ",") else { return nil }
                return LogOffset(String(decoding: view[start..<end], as: UTF8.self))
            }
            guard byte == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            start = previous
            scanned += 1
        }
        return nil
    }
}
