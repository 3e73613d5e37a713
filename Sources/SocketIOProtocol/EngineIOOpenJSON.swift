/// The JSON body of the Engine.IO OPEN packet.
enum EngineIOOpenJSON {
    /// Written by hand in the reference server's key order, so the handshake is
    /// byte-for-byte what clients see from the JavaScript implementation.
    static func append(_ open: EngineIOOpen, to buffer: inout [UInt8]) {
        buffer.appendStatic("{\"sid\":")
        JSONStringEscaping.append(open.sid, to: &buffer)
        buffer.appendStatic(",\"upgrades\":[")
        for (position, upgrade) in open.upgrades.enumerated() {
            if position > 0 { buffer.append(ASCII.comma) }
            JSONStringEscaping.append(upgrade, to: &buffer)
        }
        buffer.appendStatic("],\"pingInterval\":")
        buffer.appendDecimal(open.pingInterval)
        buffer.appendStatic(",\"pingTimeout\":")
        buffer.appendDecimal(open.pingTimeout)
        buffer.appendStatic(",\"maxPayload\":")
        buffer.appendDecimal(open.maxPayload)
        buffer.append(ASCII.closeBrace)
    }

    /// Servers only send OPEN, but decoding it lets tests and client-side tools
    /// check the handshake. `upgrades` may be absent; everything else is required.
    static func decode(_ payload: UnsafeBufferPointer<UInt8>) throws(ProtocolError) -> EngineIOOpen {
        let json: JSONValue
        do {
            json = try JSONParser.parseDocument(payload, maxDepth: 4)
        } catch {
            throw .invalidJSON(error)
        }
        guard let sid = json["sid"]?.stringValue else {
            throw .invalidPayload("OPEN data must contain a string 'sid'")
        }
        var upgrades: [String] = []
        if let list = json["upgrades"] {
            guard let elements = list.arrayValue else {
                throw .invalidPayload("OPEN 'upgrades' must be an array of strings")
            }
            for element in elements {
                guard let name = element.stringValue else {
                    throw .invalidPayload("OPEN 'upgrades' must be an array of strings")
                }
                upgrades.append(name)
            }
        }
        guard let pingInterval = json["pingInterval"]?.intValue,
            let pingTimeout = json["pingTimeout"]?.intValue,
            let maxPayload = json["maxPayload"]?.intValue
        else {
            throw .invalidPayload("OPEN data must contain integer 'pingInterval', 'pingTimeout' and 'maxPayload'")
        }
        return EngineIOOpen(
            sid: sid,
            upgrades: upgrades,
            pingInterval: pingInterval,
            pingTimeout: pingTimeout,
            maxPayload: maxPayload
        )
    }
}
