/// Engine.IO v4 framing over WebSocket text frames: the first byte is the packet
/// type digit, the rest is the payload. MESSAGE payloads are always decoded as
/// Socket.IO packets since that is the only thing this server speaks.
public enum EngineIOCodec {
    @inlinable
    public static func decode(_ text: some Collection<UInt8>) throws(ProtocolError) -> EngineIOPacket {
        try decode(text, maxDepth: SocketIOCodec.defaultMaxDepth)
    }

    @inlinable
    public static func decode(_ text: some Collection<UInt8>, maxDepth: Int) throws(ProtocolError) -> EngineIOPacket {
        try withContiguousBytes(text) { (buffer) throws(ProtocolError) -> EngineIOPacket in
            try EngineIOPacketDecoder.decode(buffer, maxDepth: maxDepth)
        }
    }

    public static func encode(_ packet: EngineIOPacket) -> [UInt8] {
        var buffer: [UInt8] = []
        switch packet {
        case .open(let open):
            buffer.reserveCapacity(128 + open.sid.utf8.count)
            buffer.append(ASCII.zero)
            EngineIOOpenJSON.append(open, to: &buffer)
        case .close:
            buffer.append(ASCII.zero + 1)
        case .ping(let payload):
            buffer.append(ASCII.zero + 2)
            if let payload { buffer.append(contentsOf: payload.utf8) }
        case .pong(let payload):
            buffer.append(ASCII.zero + 3)
            if let payload { buffer.append(contentsOf: payload.utf8) }
        case .message(let message):
            return encodeMessage(message)
        case .upgrade:
            buffer.append(ASCII.zero + 5)
        case .noop:
            buffer.append(ASCII.zero + 6)
        }
        return buffer
    }

    /// The complete text frame for a Socket.IO packet ("4" + its encoding).
    /// Broadcasts encode once with this and send the same bytes to every socket.
    public static func encodeMessage(_ packet: SocketIOPacket) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 + SocketIOCodec.estimatedSize(of: packet))
        buffer.append(ASCII.zero + 4)
        SocketIOCodec.encode(packet, into: &buffer)
        return buffer
    }
}
