/// Why an Engine.IO or Socket.IO packet was rejected.
///
/// `description` is a complete sentence meant to be shown to the peer (for example
/// in a CONNECT_ERROR), so it never contains raw input beyond a single byte.
public enum ProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case unknownEngineIOType(UInt8)
    case unknownSocketIOType(UInt8)
    case invalidAttachmentCount
    case invalidNamespace
    case invalidAckId
    case invalidJSON(JSONError)
    case invalidPayload(String)
    /// Not thrown by the codecs, which decode binary headers (types 5 and 6); meant
    /// for layers that cannot reassemble binary attachments and refuse such packets.
    case binaryNotSupported

    public var description: String {
        switch self {
        case .empty:
            return "The packet is empty."
        case .unknownEngineIOType(let byte):
            return "Unknown Engine.IO packet type \(Self.describe(byte))."
        case .unknownSocketIOType(let byte):
            return "Unknown Socket.IO packet type \(Self.describe(byte))."
        case .invalidAttachmentCount:
            return "The binary attachment count is missing or invalid."
        case .invalidNamespace:
            return "The namespace is malformed."
        case .invalidAckId:
            return "The acknowledgement id is missing or invalid."
        case .invalidJSON(let error):
            return "The packet payload is not valid JSON: \(error)."
        case .invalidPayload(let reason):
            return "The packet payload is invalid: \(reason)."
        case .binaryNotSupported:
            return "Binary packets are not supported."
        }
    }

    /// Printable ASCII as a quoted character, anything else as hex, so error text
    /// stays readable and never carries control characters.
    private static func describe(_ byte: UInt8) -> String {
        if (0x21...0x7E).contains(byte) {
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x10 ? "0x0\(hex)" : "0x\(hex)"
    }
}
