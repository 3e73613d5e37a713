@usableFromInline
enum EngineIOPacketDecoder {
    @usableFromInline
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(ProtocolError) -> EngineIOPacket {
        guard let typeByte = bytes.first else { throw .empty }
        let payload = UnsafeBufferPointer(rebasing: bytes[1...])
        switch typeByte {
        case ASCII.zero:
            return .open(try EngineIOOpenJSON.decode(payload))
        case ASCII.zero + 1:
            try requireEmpty(payload, "CLOSE")
            return .close
        case ASCII.zero + 2:
            return .ping(try probePayload(payload))
        case ASCII.zero + 3:
            return .pong(try probePayload(payload))
        case ASCII.zero + 4:
            return .message(try SocketIOPacketDecoder.decode(payload, maxDepth: maxDepth))
        case ASCII.zero + 5:
            try requireEmpty(payload, "UPGRADE")
            return .upgrade
        case ASCII.zero + 6:
            try requireEmpty(payload, "NOOP")
            return .noop
        default:
            throw .unknownEngineIOType(typeByte)
        }
    }

    /// CLOSE, UPGRADE and NOOP never carry data; anything after the type digit means
    /// the frame is not what it claims to be.
    static func requireEmpty(_ payload: UnsafeBufferPointer<UInt8>, _ name: StaticString) throws(ProtocolError) {
        guard payload.isEmpty else { throw .invalidPayload("\(name) must not carry data") }
    }

    /// PING/PONG text ("probe" during upgrades); absent rather than empty when missing.
    static func probePayload(_ payload: UnsafeBufferPointer<UInt8>) throws(ProtocolError) -> String? {
        guard !payload.isEmpty else { return nil }
        guard let text = UTF8Validation.string(from: payload) else {
            throw .invalidPayload("PING/PONG data must be valid UTF-8")
        }
        return text
    }
}
