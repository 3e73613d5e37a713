/// Which data (and ack id) each packet type may carry, per the Socket.IO v5 spec
/// and the checks of the reference JavaScript parser. Enforced at decode time so
/// the rest of the server can rely on the shapes (e.g. an EVENT always has a name).
enum SocketIOPayloadRules {
    /// Names the JavaScript client and server refuse to emit because they collide
    /// with built-in lifecycle events; a packet using them is forged.
    static let reservedEventNames: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    static func validate(type: SocketIOPacketType, id: Int?, data: JSONValue?) throws(ProtocolError) {
        switch type {
        case .connect:
            // Optional auth payload, always an object when present.
            if let data, data.objectValue == nil {
                throw .invalidPayload("CONNECT data must be an object")
            }
        case .disconnect:
            if data != nil {
                throw .invalidPayload("DISCONNECT must not carry data")
            }
        case .connectError:
            if let data, data.objectValue == nil, data.stringValue == nil {
                throw .invalidPayload("CONNECT_ERROR data must be an object or a string")
            }
        case .event, .binaryEvent:
            guard case .array(let elements)? = data, case .string(let name)? = elements.first else {
                throw .invalidPayload("EVENT data must be an array starting with the event name")
            }
            if reservedEventNames.contains(name) {
                throw .invalidPayload("EVENT uses a reserved event name")
            }
        case .ack, .binaryAck:
            // An ACK answers a specific EVENT; without an id it cannot be routed.
            guard id != nil else { throw .invalidAckId }
            guard data?.arrayValue != nil else {
                throw .invalidPayload("ACK data must be an array")
            }
        }
    }
}
