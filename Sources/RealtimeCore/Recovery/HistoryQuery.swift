import SocketIOProtocol

/// The `limit` and `since` of a history request (the client event's payload or the
/// server API's query), checked.
public struct HistoryQuery: Sendable, Equatable {
    /// At most this many messages (the newest), 1 to 1000; 100 when not given.
    public var limit: Int
    /// Only messages after this offset.
    public var since: LogOffset?

    public static let maxLimit = 1000

    public init(limit: Int = 100, since: LogOffset? = nil) {
        self.limit = limit
        self.since = since
    }

    public init(limit: JSONValue?, since: JSONValue?) throws(RealtimeError) {
        try self.init(limitText: limit.flatMap(Self.text), sinceText: since.flatMap(Self.text))
    }

    public init(limitText: String?, sinceText: String?) throws(RealtimeError) {
        self.init()
        if let limitText, !limitText.isEmpty {
            guard let value = Int(limitText), (1...Self.maxLimit).contains(value) else {
                throw RealtimeError(.invalidPayload, "limit must be a whole number from 1 to \(Self.maxLimit)")
            }
            limit = value
        }
        if let sinceText, !sinceText.isEmpty {
            guard let offset = LogOffset(sinceText) else {
                throw RealtimeError(.invalidPayload, "since must be an offset from an earlier history answer")
            }
            since = offset
        }
    }

    private static func text(_ value: JSONValue) -> String? {
        if value.isNull { return nil }
        if let string = value.stringValue { return string }
        if let number = value.doubleValue, number == number.rounded(), abs(number) < 1e9 { return String(Int(number)) }
        return "invalid"
    }
}
