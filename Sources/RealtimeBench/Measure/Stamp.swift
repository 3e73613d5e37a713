import NIOCore
import SocketIOProtocol

/// What every bench message carries so receivers can measure without parsing JSON:
/// `{"rtb":"<publisher>.<sequence>.<sent ns>", "pad":"…"}`. Receivers find the
/// `"rtb":"` marker in the raw frame and read three decimal numbers.
struct Stamp: Equatable {
    var publisher: Int
    var sequence: Int
    var sentNanos: UInt64

    static let marker: [UInt8] = Array(#""rtb":""#.utf8)

    /// Finds and decodes the stamp in a delivered frame; nil when there is none.
    static func find(in frame: ByteBuffer) -> Stamp? {
        frame.withUnsafeReadableBytes { bytes -> Stamp? in
            let count = bytes.count
            let m = marker
            let first = m[0]
            var i = 0
            // The message sits near the end of `42["event",{"channel":…,"message":{…}}]`,
            // but key order is the server's choice, so scan forward.
            while i + m.count <= count {
                if bytes[i] == first {
                    var j = 1
                    while j < m.count && bytes[i + j] == m[j] { j += 1 }
                    if j == m.count { return decode(bytes, from: i + m.count) }
                }
                i += 1
            }
            return nil
        }
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Stamp? {
        var index = start
        var numbers: (UInt64, UInt64, UInt64) = (0, 0, 0)
        for field in 0..<3 {
            var value: UInt64 = 0
            var digits = 0
            while index < bytes.count {
                let byte = bytes[index]
                guard byte >= 48 && byte <= 57 else { break }
                value = value &* 10 &+ UInt64(byte - 48)
                digits += 1
                index += 1
            }
            guard digits > 0, index < bytes.count else { return nil }
            let terminator: UInt8 = field == 2 ? UInt8(ascii: "\"") : UInt8(ascii: ".")
            guard bytes[index] == terminator else { return nil }
            index += 1
            switch field {
            case 0: numbers.0 = value
            case 1: numbers.1 = value
            default: numbers.2 = value
            }
        }
        return Stamp(publisher: Int(numbers.0), sequence: Int(numbers.1), sentNanos: numbers.2)
    }
}

/// Builds the Engine.IO text of a bench `message` event directly into a buffer:
/// `42<ack>["message",{"eventName":"bench","channel":"c","message":{"rtb":"p.s.t","pad":"…"}}]`.
/// Channel prefixes are serialised once; per message only the numbers are written.
struct MessageFrameBuilder {
    static let eventName = "bench"
    private let head: [UInt8]
    private let tail: [UInt8]

    /// `channel == nil` builds broadcasts. `size` pads the message to roughly that many bytes.
    init(channel: String?, size: Int) {
        var head: [UInt8] = Array(#"["message",{"eventName":"bench","#.utf8)
        if let channel {
            head += Array(#""channel":"#.utf8)
            JSONValue.string(channel).serialize(into: &head)
            head += Array(",".utf8)
        }
        head += Array(#""message":{"rtb":""#.utf8)
        self.head = head
        // The stamp itself is ~40 bytes; pad the rest with a plain string.
        let padding = max(0, size - 48)
        var tail: [UInt8] = Array("\"".utf8)
        if padding > 0 {
            tail += Array(#","pad":""#.utf8)
            tail += [UInt8](repeating: UInt8(ascii: "x"), count: padding)
            tail += Array("\"".utf8)
        }
        tail += Array("}}]".utf8)
        self.tail = tail
    }

    var estimatedSize: Int { head.count + tail.count + 40 }

    func write(ackId: Int?, stamp: Stamp, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("42")
        if let ackId { buffer.writeDecimal(UInt64(ackId)) }
        buffer.writeBytes(head)
        buffer.writeDecimal(UInt64(stamp.publisher))
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeDecimal(UInt64(stamp.sequence))
        buffer.writeInteger(UInt8(ascii: "."))
        buffer.writeDecimal(stamp.sentNanos)
        buffer.writeBytes(tail)
    }
}

extension ByteBuffer {
    mutating func writeDecimal(_ value: UInt64) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var v = value
            var count = 0
            repeat {
                digits[19 - count] = UInt8(truncatingIfNeeded: 48 &+ v % 10)
                v /= 10
                count += 1
            } while v > 0
            writeBytes(UnsafeBufferPointer(rebasing: digits[(20 - count)...]))
        }
    }
}
