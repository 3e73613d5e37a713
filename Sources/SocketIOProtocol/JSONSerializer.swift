extension JSONValue {
    /// Appends the compact JSON text of this value to `buffer`.
    ///
    /// Output is deterministic: object members are written in sorted key order, so
    /// equal values always produce identical bytes (useful for caching, hashing and
    /// tests); keys are sorted by their UTF-8 bytes (`keyPrecedes`), and strings equal
    /// only by canonical equivalence ("\u{E9}", "e\u{301}") keep their own bytes.
    /// Non-finite numbers, which JSON cannot express, become `null`, as in
    /// `JSON.stringify`.
    public func serialize(into buffer: inout [UInt8]) {
        switch self {
        case .null:
            buffer.appendStatic("null")
        case .bool(let value):
            if value { buffer.appendStatic("true") } else { buffer.appendStatic("false") }
        case .number(let value):
            JSONNumberFormatting.append(value, to: &buffer)
        case .string(let value):
            JSONStringEscaping.append(value, to: &buffer)
        case .array(let elements):
            buffer.append(ASCII.openBracket)
            for (position, element) in elements.enumerated() {
                if position > 0 { buffer.append(ASCII.comma) }
                element.serialize(into: &buffer)
            }
            buffer.append(ASCII.closeBracket)
        case .object(let members):
            buffer.append(ASCII.openBrace)
            if members.count == 1, let only = members.first {
                // Nothing to sort; skip the temporary array.
                Self.serializeMember(key: only.key, value: only.value, into: &buffer)
            } else {
                var first = true
                for member in members.sorted(by: { Self.keyPrecedes($0.key, $1.key) }) {
                    if !first { buffer.append(ASCII.comma) }
                    first = false
                    Self.serializeMember(key: member.key, value: member.value, into: &buffer)
                }
            }
            buffer.append(ASCII.closeBrace)
        }
    }

    /// Key order for `serialize`: plain UTF-8 byte order (the same as code point order).
    ///
    /// Not `String.<`: it compares by canonical equivalence, and the standard library
    /// (Swift 6.3) does not make that a strict weak ordering. For "e\u{301}" (a
    /// decomposed "é") and "\u{E9}." neither `<` holds, yet they are not `==` either,
    /// so `sorted` left such keys in the dictionary's iteration order, which differs
    /// from one dictionary instance to the next: the same object serialized to
    /// different bytes (found by the FuzzCodec fuzzer, see docs/RELIABILITY.md).
    /// Byte order is total, and keys are distinct in the dictionary, so the output
    /// depends only on the keys. For ASCII keys, the usual case, it is the same order.
    /// (Walking the UTF8Views measured faster than `withUTF8` on two copies.)
    @inline(__always)
    static func keyPrecedes(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }

    private static func serializeMember(key: String, value: JSONValue, into buffer: inout [UInt8]) {
        JSONStringEscaping.append(key, to: &buffer)
        buffer.append(ASCII.colon)
        value.serialize(into: &buffer)
    }

    /// The compact JSON text as UTF-8 bytes.
    public var serialized: [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(estimatedSerializedSize)
        serialize(into: &buffer)
        return buffer
    }

    /// The compact JSON text as a `String`.
    public var jsonString: String {
        String(decoding: serialized, as: UTF8.self)
    }

    /// Exact UTF-8 byte count of `serialized`, computed by walking the value instead
    /// of building the output (only non-integral numbers are formatted to count them).
    public var serializedByteCount: Int {
        switch self {
        case .null: return 4
        case .bool(let value): return value ? 4 : 5
        case .number(let value): return JSONNumberFormatting.length(of: value)
        case .string(let value): return JSONStringEscaping.escapedLength(of: value)
        case .array(let elements):
            var total = 2 + max(elements.count - 1, 0)
            for element in elements { total += element.serializedByteCount }
            return total
        case .object(let members):
            var total = 2 + max(members.count - 1, 0)
            for (key, value) in members {
                total += JSONStringEscaping.escapedLength(of: key) + 1 + value.serializedByteCount
            }
            return total
        }
    }

    /// A cheap size guess used to reserve output capacity up front: exact for
    /// structure, assumes strings need no escaping and non-integral numbers take
    /// the maximum 24 bytes. Avoids the repeated regrowth of an empty buffer
    /// without paying for the exact count.
    var estimatedSerializedSize: Int {
        switch self {
        case .null, .bool: return 5
        case .number: return 24
        case .string(let value): return value.utf8.count + 2
        case .array(let elements):
            var total = 1 + elements.count
            for element in elements { total += element.estimatedSerializedSize }
            return total
        case .object(let members):
            var total = 1 + members.count
            for (key, value) in members { total += key.utf8.count + 3 + value.estimatedSerializedSize }
            return total
        }
    }
}
