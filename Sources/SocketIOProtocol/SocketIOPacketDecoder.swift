/// Decodes one Socket.IO text packet from a contiguous byte buffer.
@usableFromInline
enum SocketIOPacketDecoder {
    /// Ack ids and attachment counts longer than this are rejected: real ones are
    /// small counters, and the cap keeps the value far from `Int` overflow.
    static let maxNumberDigits = 9

    @usableFromInline
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(ProtocolError) -> SocketIOPacket {
        guard let typeByte = bytes.first else { throw .empty }
        guard ASCII.isDigit(typeByte), let type = SocketIOPacketType(rawValue: typeByte - ASCII.zero) else {
            throw .unknownSocketIOType(typeByte)
        }
        var index = 1

        var attachments: Int?
        if type.isBinary {
            // Mandatory "N-" for binary types. Other types have no such field: a
            // digit there is an ack id.
            guard let count = readNumber(bytes, &index), index < bytes.count, bytes[index] == ASCII.minus else {
                throw .invalidAttachmentCount
            }
            attachments = count
            index += 1
        }

        var namespace = "/"
        if index < bytes.count, bytes[index] == ASCII.slash {
            namespace = try readNamespace(bytes, &index)
        }

        var id: Int?
        if index < bytes.count, ASCII.isDigit(bytes[index]) {
            guard let value = readNumber(bytes, &index) else { throw .invalidAckId }
            id = value
        }

        var data: JSONValue?
        if index < bytes.count {
            do {
                data = try JSONParser.parseDocument(UnsafeBufferPointer(rebasing: bytes[index...]), maxDepth: maxDepth)
            } catch {
                throw .invalidJSON(error)
            }
        }

        try SocketIOPayloadRules.validate(type: type, id: id, data: data)
        return SocketIOPacket(type: type, namespace: namespace, id: id, attachments: attachments, data: data)
    }

    /// Reads a run of decimal digits at `index`. `nil` when there are none or more
    /// than `maxNumberDigits`.
    static func readNumber(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) -> Int? {
        let start = index
        var value = 0
        while index < bytes.count, ASCII.isDigit(bytes[index]) {
            guard index - start < maxNumberDigits else { return nil }
            value = value * 10 + Int(bytes[index] - ASCII.zero)
            index += 1
        }
        return index > start ? value : nil
    }

    /// Reads `/name,` at `index` (which points at the slash) and returns `/name`.
    /// As in the reference parser, the namespace runs to the first comma or, when
    /// there is none, to the end of the packet: clients send `40/x` for a CONNECT
    /// without auth, and the server must answer it with CONNECT_ERROR, not drop it.
    static func readNamespace(_ bytes: UnsafeBufferPointer<UInt8>, _ index: inout Int) throws(ProtocolError) -> String {
        let start = index
        while index < bytes.count, bytes[index] != ASCII.comma {
            // Control characters are never legitimate in a namespace and would
            // end up in logs and room names.
            if bytes[index] < 0x20 || bytes[index] == 0x7F { throw .invalidNamespace }
            index += 1
        }
        guard let namespace = UTF8Validation.string(from: UnsafeBufferPointer(rebasing: bytes[start..<index])) else {
            throw .invalidNamespace
        }
        if index < bytes.count { index += 1 }  // the comma
        return namespace
    }
}
