/// Socket.IO protocol v5 packet types; the raw value is the digit on the wire.
public enum SocketIOPacketType: UInt8, Sendable {
    case connect = 0
    case disconnect = 1
    case event = 2
    case ack = 3
    case connectError = 4
    case binaryEvent = 5
    case binaryAck = 6

    /// Binary types carry an attachment count and are followed by binary frames.
    public var isBinary: Bool { self == .binaryEvent || self == .binaryAck }
}

/// One Socket.IO packet, independent of its wire encoding.
public struct SocketIOPacket: Sendable, Equatable {
    public var type: SocketIOPacketType
    /// Always starts with "/"; "/" is the main namespace.
    public var namespace: String
    /// Acknowledgement id (0...999_999_999 so it survives the 9-digit decode limit).
    public var id: Int?
    /// Number of binary attachments; only meaningful for binaryEvent / binaryAck.
    public var attachments: Int?
    public var data: JSONValue?

    public init(
        type: SocketIOPacketType,
        namespace: String = "/",
        id: Int? = nil,
        attachments: Int? = nil,
        data: JSONValue? = nil
    ) {
        self.type = type
        self.namespace = namespace
        self.id = id
        self.attachments = attachments
        self.data = data
    }

    public var isBinary: Bool { type.isBinary }
}

extension SocketIOPacket {
    /// An EVENT whose data is `[name, args...]`; pass `id` to request an ack.
    public static func event(_ name: String, _ args: [JSONValue], id: Int? = nil, namespace: String = "/") -> SocketIOPacket {
        var data: [JSONValue] = []
        data.reserveCapacity(args.count + 1)
        data.append(.string(name))
        data.append(contentsOf: args)
        return SocketIOPacket(type: .event, namespace: namespace, id: id, data: .array(data))
    }

    /// The reply to an EVENT that carried `id`.
    public static func ack(id: Int, _ args: [JSONValue], namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .ack, namespace: namespace, id: id, data: .array(args))
    }

    /// Server reply accepting a namespace connection: `0/admin,{"sid":"..."}`.
    public static func connect(namespace: String = "/", sid: String) -> SocketIOPacket {
        SocketIOPacket(type: .connect, namespace: namespace, data: .object(["sid": .string(sid)]))
    }

    /// Server reply refusing a namespace connection: `4{"message":"..."}`,
    /// the shape the JavaScript client surfaces as `err.message` (plus `err.data`).
    public static func connectError(namespace: String = "/", message: String, data: JSONValue? = nil) -> SocketIOPacket {
        var payload: [String: JSONValue] = ["message": .string(message)]
        if let data { payload["data"] = data }
        return SocketIOPacket(type: .connectError, namespace: namespace, data: .object(payload))
    }

    public static func disconnect(namespace: String = "/") -> SocketIOPacket {
        SocketIOPacket(type: .disconnect, namespace: namespace)
    }

    /// The event name: the first element of an EVENT / BINARY_EVENT array when it is a string.
    public var eventName: String? {
        guard type == .event || type == .binaryEvent,
            case .array(let elements)? = data,
            case .string(let name)? = elements.first
        else { return nil }
        return name
    }

    /// The arguments the packet carries: for EVENT / BINARY_EVENT the elements
    /// after the name; for ACK / BINARY_ACK, which have no name, the whole array.
    public var eventArguments: [JSONValue] {
        guard case .array(let elements)? = data else { return [] }
        switch type {
        case .event, .binaryEvent:
            return Array(elements.dropFirst())
        case .ack, .binaryAck:
            return elements
        case .connect, .disconnect, .connectError:
            return []
        }
    }
}
