import RealtimeCore

/// Channel rules (PROTOCOL.md §9) as they apply to one client: who may join, who may
/// publish. A refusal names the rule and the reason, and is counted per rule.
extension ClientSession {
    func authorizeJoin(_ channel: String, rule: ChannelRule, token: String?) async throws(RealtimeError) {
        switch rule.join {
        case .anyone:
            return
        case .session:
            if identity?.userId == nil {
                throw refusal(rule, .join, RealtimeError(.notAllowed, "joining \(channel) needs a session (rule \"\(rule.match)\")"))
            }
        case .token:
            do {
                try await services.authenticator.sessions.verifyChannelToken(token, channel: channel, userId: identity?.userId)
            } catch {
                throw refusal(rule, .join, RealtimeError(error.code, "\(error.message) (rule \"\(rule.match)\")"))
            }
        case .webhook:
            guard let webhook = services.settings.current.authWebhook else {
                throw refusal(
                    rule, .join,
                    RealtimeError(
                        .notAllowed, "joining \(channel) needs the application's webhook, which is not configured (rule \"\(rule.match)\")")
                )
            }
            let decision = await services.joinWebhook.authorize(
                webhook, action: "join", channel: channel, userId: identity?.userId, connectionId: socketId)
            if case .denied(let why) = decision {
                throw refusal(rule, .join, RealtimeError(.notAllowed, "\(why): not allowed to join \(channel) (rule \"\(rule.match)\")"))
            }
        }
    }

    func authorizePublish(_ channel: String, rule: ChannelRule) throws(RealtimeError) {
        switch rule.publish {
        case .anyone:
            return
        case .members:
            if !channels.contains(channel) {
                throw refusal(
                    rule, .publish,
                    RealtimeError(.notAllowed, "only members may publish to \(channel) (rule \"\(rule.match)\"): join it first"))
            }
        case .server:
            throw refusal(
                rule, .publish, RealtimeError(.notAllowed, "only the server API may publish to \(channel) (rule \"\(rule.match)\")"))
        }
    }

    /// Counts the refusal against its rule and hands the error back to throw.
    func refusal(_ rule: ChannelRule, _ action: RuleRefusals.Action, _ error: RealtimeError) -> RealtimeError {
        services.ruleRefusals.count(rule: rule.match, action: action)
        logger.debug(
            "channel rule refused", metadata: ["rule": "\(rule.match)", "action": "\(action.rawValue)", "code": "\(error.code.rawValue)"])
        return error
    }
}
