import NIOCore

/// A decoded RESP2 reply.
///
/// Bulk strings are kept as `ByteBuffer` so binary payloads (pub/sub messages,
/// script results) reach the caller without a detour through `String`.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int64)
    /// `nil` is the RESP2 null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// `nil` is the RESP2 null array (`*-1`), e.g. a BLPOP that timed out.
    case array([RESPValue]?)

    /// The value of a simple or bulk string, decoded as UTF-8.
    public var string: String? {
        switch self {
        case .simpleString(let value):
            return value
        case .bulkString(.some(let buffer)):
            return String(buffer: buffer)
        default:
            return nil
        }
    }

    /// An integer reply, or a simple/bulk string holding a decimal integer
    /// (Redis returns counters read with GET as bulk strings).
    public var int: Int64? {
        switch self {
        case .integer(let value):
            return value
        case .simpleString, .bulkString(.some):
            return self.string.flatMap { Int64($0) }
        default:
            return nil
        }
    }

    /// The elements of a non-null array reply.
    public var array: [RESPValue]? {
        if case .array(let elements) = self {
            return elements
        }
        return nil
    }

    /// The raw bytes of a non-null bulk string.
    public var buffer: ByteBuffer? {
        if case .bulkString(let buffer) = self {
            return buffer
        }
        return nil
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil):
            return true
        default:
            return false
        }
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let message) = self {
            return message
        }
        return nil
    }
}
