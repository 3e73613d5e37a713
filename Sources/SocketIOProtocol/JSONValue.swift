/// A JSON document held as plain values.
///
/// Numbers are stored as `Double` because that is what the JavaScript peers on the
/// other end of a Socket.IO connection use; anything a browser can send fits.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}

extension JSONValue {
    /// Member lookup that tolerates any shape, so callers can chain
    /// `value["auth"]?["token"]?.stringValue` without switching on cases.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let d) = self { return d }
        return nil
    }

    /// `Int(exactly:)` refuses fractions, NaN, infinities and out-of-range values,
    /// which is exactly the set of numbers that must not silently become an Int.
    public var intValue: Int? {
        if case .number(let d) = self { return Int(exactly: d) }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text, so values print readably in logs and test failures.
    public var description: String { jsonString }
}
