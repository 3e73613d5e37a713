extension RealtimeSettings {
    static let maxChannelRules = 1000

    func validateChannelRules() throws(SettingsValidationError) {
        if channelRules.count > Self.maxChannelRules {
            throw .init(field: "channelRules", message: "at most \(Self.maxChannelRules) rules")
        }
        var matches = Set<String>()
        for (i, rule) in channelRules.enumerated() {
            let field = "channelRules[\(i)]"
            try Self.validateMatch(rule.match, field: field + ".match")
            if !matches.insert(rule.match).inserted {
                throw .init(field: field + ".match", message: "duplicate match \"\(rule.match)\"")
            }
            if rule.join == .webhook, authWebhook == nil {
                throw .init(field: field + ".join", message: "\"webhook\" needs authWebhook {url, secret}")
            }
            if let history = rule.history {
                if !(1...10_000).contains(history.size) {
                    throw .init(field: field + ".history.size", message: "must be 1 to 10000 messages")
                }
                if !(1...604_800).contains(history.ttlSeconds) {
                    throw .init(field: field + ".history.ttlSeconds", message: "must be 1 to 604800 seconds (7 days)")
                }
            }
        }
        if let webhook = authWebhook { try Self.validate(webhook) }
    }

    /// A channel name, or a prefix then one `*` at the very end; no control characters.
    static func validateMatch(_ match: String, field: String) throws(SettingsValidationError) {
        let literal = match.hasSuffix("*") ? String(match.dropLast()) : match
        if match.isEmpty || match.utf8.count > 257 {
            throw .init(field: field, message: "must be a channel name (1 to 256 bytes) or a prefix ending in *")
        }
        if literal.contains("*") {
            throw .init(field: field, message: "* may only end a prefix (\"private:*\"), not stand inside a match")
        }
        if literal.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .init(field: field, message: "must not contain control characters")
        }
    }

    static func validate(_ webhook: AuthWebhook) throws(SettingsValidationError) {
        let lower = webhook.url.lowercased()
        let scheme = ["http://", "https://"].first { lower.hasPrefix($0) }
        if scheme == nil || webhook.url.count <= scheme!.count || webhook.url.utf8.count > 2048 {
            throw .init(field: "authWebhook.url", message: "must be an http:// or https:// URL")
        }
        if webhook.secret.isEmpty || webhook.secret.utf8.count > 512 {
            throw .init(field: "authWebhook.secret", message: "must be 1 to 512 bytes")
        }
        if !(100...30_000).contains(webhook.timeoutMs) {
            throw .init(field: "authWebhook.timeoutMs", message: "must be 100 to 30000 milliseconds")
        }
        if !(0...3600).contains(webhook.cacheSeconds) {
            throw .init(field: "authWebhook.cacheSeconds", message: "must be 0 to 3600 seconds")
        }
    }
}
