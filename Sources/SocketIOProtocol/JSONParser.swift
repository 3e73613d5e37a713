extension JSONValue {
    /// Parses one RFC 8259 JSON text (any value at top level, surrounded by optional
    /// whitespace). Strict: no comments, trailing commas, NaN, leading zeros or
    /// invalid UTF-8. `maxDepth` bounds array/object nesting (a top-level array is
    /// depth 1) so hostile input cannot exhaust the stack; the parser recurses once
    /// per level, so keep it modest.
    @inlinable
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        try withContiguousBytes(bytes) { (buffer) throws(JSONError) -> JSONValue in
            try JSONParser.parseDocument(buffer, maxDepth: maxDepth)
        }
    }

    public static func parse(_ text: String, maxDepth: Int = 32) throws(JSONError) -> JSONValue {
        try parse(text.utf8, maxDepth: maxDepth)
    }
}

/// Recursive-descent parser over a raw byte buffer.
///
/// Working on `UnsafeBufferPointer` with an integer cursor keeps the inner loops free
/// of `String.Index` and bounds-check-heavy collection abstractions; every read is
/// preceded by an explicit `index < bytes.count` check, so malformed input can only
/// produce a `JSONError`.
@usableFromInline
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0
    /// Reused by every string that contains escapes, so decoding escapes costs one
    /// allocation per document rather than one per string.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    @usableFromInline
    static func parseDocument(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws(JSONError) -> JSONValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else {
            throw parser.error("unexpected data after JSON value")
        }
        return value
    }

    func error(_ message: String) -> JSONError {
        JSONError(message: message, offset: index)
    }

    func error(_ message: String, at offset: Int) -> JSONError {
        JSONError(message: message, offset: offset)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count, ASCII.isJSONWhitespace(bytes[index]) {
            index += 1
        }
    }

    /// `depth` is the nesting level of the container this value would sit in.
    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case ASCII.openBrace:
            return try parseObject(depth: depth + 1)
        case ASCII.openBracket:
            return try parseArray(depth: depth + 1)
        case ASCII.quote:
            return .string(try parseString())
        case ASCII.minus, ASCII.zero...ASCII.nine:
            return .number(try parseNumber())
        case UInt8(ascii: "t"):
            try consumeKeyword("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try consumeKeyword("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try consumeKeyword("null")
            return .null
        default:
            throw error("unexpected character")
        }
    }

    mutating func consumeKeyword(_ keyword: StaticString) throws(JSONError) {
        let length = keyword.utf8CodeUnitCount
        let expected = keyword.utf8Start
        guard bytes.count - index >= length else { throw error("invalid literal") }
        for offset in 0..<length where bytes[index + offset] != expected[offset] {
            throw error("invalid literal")
        }
        index += length
    }

    mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw error("maximum nesting depth exceeded") }
        index += 1  // [
        skipWhitespace()
        if index < bytes.count, bytes[index] == ASCII.closeBracket {
            index += 1
            return .array([])
        }
        var elements: [JSONValue] = []
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated array") }
            switch bytes[index] {
            case ASCII.comma:
                index += 1
            case ASCII.closeBracket:
                index += 1
                return .array(elements)
            default:
                throw error("expected ',' or ']' in array")
            }
        }
    }

    mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw error("maximum nesting depth exceeded") }
        index += 1  // {
        skipWhitespace()
        if index < bytes.count, bytes[index] == ASCII.closeBrace {
            index += 1
            return .object([:])
        }
        var members: [String: JSONValue] = [:]
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.quote else {
                throw error("expected string key in object")
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == ASCII.colon else {
                throw error("expected ':' after object key")
            }
            index += 1
            skipWhitespace()
            // Last duplicate wins, as in JavaScript's JSON.parse.
            members[key] = try parseValue(depth: depth)
            skipWhitespace()
            guard index < bytes.count else { throw error("unterminated object") }
            switch bytes[index] {
            case ASCII.comma:
                index += 1
            case ASCII.closeBrace:
                index += 1
                return .object(members)
            default:
                throw error("expected ',' or '}' in object")
            }
        }
    }
}
