import NIOCore

/// Server-to-client WebSocket text frames as bytes (RFC 6455 §5.2: FIN, text
/// opcode, no mask). Fan-out builds one per message and every recipient's socket
/// gets the same buffer, written below NIO's frame encoder: no per-recipient
/// header buffer, encoder pass or second iovec.
enum WebSocketWire {
    static func textFrame(_ payload: ByteBuffer) -> ByteBuffer {
        let length = payload.readableBytes
        var frame = ByteBuffer()
        frame.reserveCapacity(length + 10)
        frame.writeInteger(UInt8(0x81))  // FIN + text
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ..<65_536:
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
        var payload = payload
        frame.writeBuffer(&payload)
        return frame
    }
}
