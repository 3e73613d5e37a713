/// Socket.IO protocol v5 text encoding:
/// `<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]`.
///
/// Binary packets (types 5 and 6) are decoded like any other packet, header and
/// JSON (with its `{"_placeholder":true,"num":N}` entries) included; the binary
/// attachments themselves travel in separate frames that this module does not
/// reassemble. A layer that does not support them should check `isBinary` and
/// reply with `ProtocolError.binaryNotSupported`.
public enum SocketIOCodec {
    /// Nesting limit for packet data unless the caller chooses another.
    public static let defaultMaxDepth = 32

    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>) throws(ProtocolError) -> SocketIOPacket {
        try decode(bytes, maxDepth: defaultMaxDepth)
    }

    @inlinable
    public static func decode(_ bytes: some Collection<UInt8>, maxDepth: Int) throws(ProtocolError) -> SocketIOPacket {
        try withContiguousBytes(bytes) { (buffer) throws(ProtocolError) -> SocketIOPacket in
            try SocketIOPacketDecoder.decode(buffer, maxDepth: maxDepth)
        }
    }

    /// Appends the packet's text encoding to `buffer`.
    ///
    /// The encoder trusts its input: the namespace must start with "/" and contain
    /// no ",", the id must be non-negative. Data that breaks the per-type rules is
    /// written anyway (the decoder would reject it).
    public static func encode(_ packet: SocketIOPacket, into buffer: inout [UInt8]) {
        buffer.append(ASCII.zero + packet.type.rawValue)
        if packet.type.isBinary {
            buffer.appendDecimal(packet.attachments ?? 0)
            buffer.append(ASCII.minus)
        }
        // The main namespace is implicit; writing "/," would also decode, but the
        // reference implementation omits it and so do we.
        if !packet.namespace.isEmpty && packet.namespace != "/" {
            buffer.append(contentsOf: packet.namespace.utf8)
            buffer.append(ASCII.comma)
        }
        if let id = packet.id {
            buffer.appendDecimal(id)
        }
        packet.data?.serialize(into: &buffer)
    }

    public static func encode(_ packet: SocketIOPacket) -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(estimatedSize(of: packet))
        encode(packet, into: &buffer)
        return buffer
    }

    /// Header upper bound plus the data estimate; used to reserve capacity once.
    static func estimatedSize(of packet: SocketIOPacket) -> Int {
        // type + attachments "N-" + "," + id: 1 + 21 + 1 + 20 bytes at most.
        43 + packet.namespace.utf8.count + (packet.data?.estimatedSerializedSize ?? 0)
    }
}
