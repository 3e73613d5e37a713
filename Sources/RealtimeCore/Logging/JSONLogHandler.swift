import Logging
import SocketIOProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--log-format json`: one JSON object per line on standard error, for log
/// pipelines (Loki, Elasticsearch, Cloud Logging) that would otherwise have to parse
/// free text: `{"time","level","node","label","message","fields"}` in that order.
/// `fields` holds the log call's metadata (values as strings, or arrays and objects).
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let node: String?

    public init(label: String, node: String?) {
        self.label = label
        self.node = node
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = self.metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let metadata = event.metadata { fields.merge(metadata) { _, new in new } }
        if let error = event.error { fields["error"] = .string("\(error)") }
        var bytes = Self.line(
            microseconds: WallClock.microseconds(), level: event.level, node: node, label: label, message: event.message.description,
            fields: fields)
        bytes.append(UInt8(ascii: "\n"))
        StandardErrorLines.emit(bytes)
    }

    /// One log line without its newline; pure, so tests can read it.
    static func line(
        microseconds: Int64, level: Logger.Level, node: String?, label: String, message: String, fields: Logger.Metadata
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + message.utf8.count)
        func member(_ key: String, _ value: JSONValue, first: Bool = false) {
            if !first { bytes.append(UInt8(ascii: ",")) }
            JSONValue.string(key).serialize(into: &bytes)
            bytes.append(UInt8(ascii: ":"))
            value.serialize(into: &bytes)
        }
        bytes.append(UInt8(ascii: "{"))
        member("time", .string(RFC3339.utc(microseconds: microseconds)), first: true)
        member("level", .string(level.rawValue))
        member("node", node.map(JSONValue.string) ?? .null)
        member("label", .string(label))
        member("message", .string(message))
        member("fields", .object(fields.mapValues(Self.json)))
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    static func json(_ value: Logger.Metadata.Value) -> JSONValue {
        switch value {
        case .string(let text): .string(text)
        case .stringConvertible(let convertible): .string(convertible.description)
        case .array(let values): .array(values.map(json))
        case .dictionary(let members): .object(members.mapValues(json))
        }
    }
}

/// Whole lines to standard error with one `write(2)` each, under a lock, so lines
/// from concurrent threads never interleave.
enum StandardErrorLines {
    private static let lock = Mutex(())

    static func emit(_ bytes: [UInt8]) {
        lock.withLock { _ in
            bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = write(2, raw.baseAddress! + offset, raw.count - offset)
                    if written <= 0 { return }  // nowhere to report a failing stderr
                    offset += written
                }
            }
        }
    }
}
