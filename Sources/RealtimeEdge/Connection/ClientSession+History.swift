import RealtimeCore
import SocketIOProtocol

/// The `history` event (PROTOCOL.md §8): a channel's last messages, for whoever may
/// join it.
extension ClientSession {
    func history(_ payload: JSONValue, rateLimits: RateLimitCheck?) async throws -> JSONValue {
        guard let channel = payload["channel"]?.stringValue else {
            throw RealtimeError(.invalidChannel, "channel must be a string")
        }
        if let problem = services.configuration.limits.validateChannelName(channel) { throw problem }
        let query = try HistoryQuery(limit: payload["limit"], since: payload["since"])
        if let check = rateLimits, let exceeded = try await services.bus.consumeRateLimits(check) {
            throw RateLimitExceeded(exceeded)
        }
        let rule = services.settings.rule(for: channel)
        if let rule, rule.join != .anyone, !channels.contains(channel) {
            try await authorizeJoin(channel, rule: rule, token: payload["token"]?.stringValue)
        }
        guard let policy = rule?.history else {
            throw RealtimeError(.notAllowed, "\(channel) keeps no history (no channel rule with history matches it)")
        }
        let messages = try await services.recovery.history(of: channel, policy: policy, limit: query.limit, since: query.since)
        return .object(["data": .array(messages.compactMap(\.historyJSON))])
    }
}
