import SocketIOProtocol

extension RealtimeServerClient {
    /// A channel's history, oldest first: its newest `limit` messages (1 to 1000, 100 by
    /// default), or with `since` (an offset from an earlier answer) the first `limit`
    /// after it. Channels without a history rule are refused (403 `not_allowed`).
    public func history(channel: String, limit: Int? = nil, since: String? = nil) async throws -> [HistoryEntry] {
        let segment = try Self.channelSegment(channel)
        var query: [String] = []
        if let limit { query.append("limit=\(limit)") }
        if let since { query.append("since=\(PathSegment.encode(since))") }
        let path = "/api/v1/channels/\(segment)/history" + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let reply = try await perform(.GET, path)
        guard let entries = (try? JSONValue.parse(reply.body))?["data"]?.arrayValue else { throw reply.unexpected }
        return try entries.map { entry in
            guard let parsed = HistoryEntry(json: entry) else { throw reply.unexpected }
            return parsed
        }
    }
}
