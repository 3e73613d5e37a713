import NIOCore

/// One argument of a Redis command. Every case is sent as a bulk string;
/// the cases only spare callers a conversion to bytes.
public enum RedisArgument: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case string(String)
    case bytes([UInt8])
    case buffer(ByteBuffer)
    case int(Int)

    public init(stringLiteral value: String) {
        self = .string(value)
    }

    public init(integerLiteral value: Int) {
        self = .int(value)
    }

    /// Appends the argument's bytes (not its RESP framing) to `buffer`.
    func write(into buffer: inout ByteBuffer) {
        switch self {
        case .string(let value):
            buffer.writeString(value)
        case .bytes(let value):
            buffer.writeBytes(value)
        case .buffer(let value):
            buffer.writeImmutableBuffer(value)
        case .int(let value):
            // Decimal text is what Redis expects for numeric arguments.
            buffer.writeString(String(value))
        }
    }
}
