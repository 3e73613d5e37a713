import SocketIOProtocol

extension RealtimeServerClient {
    /// A channel's last messages, oldest first: at most `limit` (1 to 1000), only those
    /// after `since` when given. Channels without a history rule answer `not_allowed`.
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
