import SocketIOProtocol

/// The keys the settings document may hold, at every level: an unknown key is refused
/// (a misspelt `channelRules` silently ignored would leave a channel open that the
/// operator believes closed).
enum SettingsKeys {
    /// `version` is the stored document's revision, which the server sets; a document
    /// read with GET and written back with PUT carries it.
    static let top: Set<String> = [
        "enabled", "apiKeyRequired", "sessionRequired", "apiKeys", "rateLimits", "signoutEndsSessions",
        "channelRules", "authWebhook", "recovery", "version",
    ]
    static let apiKey: Set<String> = ["key", "name", "expiresAt"]
    static let rateLimit: Set<String> = ["name", "rate", "duration", "errorMessage"]
    static let channelRule: Set<String> = ["match", "join", "publish", "presence", "history"]
    static let history: Set<String> = ["size", "ttlSeconds"]
    static let authWebhook: Set<String> = ["url", "secret", "timeoutMs", "cacheSeconds"]
    static let recovery: Set<String> = ["enabled", "maxDisconnectionSeconds"]

    /// The first key of `document` (a settings JSON object) that is not allowed where it stands.
    static func firstUnknown(in document: JSONValue) -> SettingsValidationError? {
        guard let top = document.objectValue else { return nil }
        if let error = unknown(in: top, allowed: Self.top, at: "") { return error }
        func each(_ field: String, _ allowed: Set<String>, nested: (JSONValue, String) -> SettingsValidationError? = { _, _ in nil })
            -> SettingsValidationError?
        {
            for (i, item) in (top[field]?.arrayValue ?? []).enumerated() {
                guard let object = item.objectValue else { continue }
                let path = "\(field)[\(i)]"
                if let error = unknown(in: object, allowed: allowed, at: path) ?? nested(item, path) { return error }
            }
            return nil
        }
        if let error = each("apiKeys", apiKey) ?? each("rateLimits", rateLimit) { return error }
        if let error = each(
            "channelRules", channelRule,
            nested: { rule, path in
                rule["history"]?.objectValue.flatMap { unknown(in: $0, allowed: history, at: path + ".history") }
            })
        {
            return error
        }
        if let webhook = top["authWebhook"]?.objectValue,
            let error = unknown(in: webhook, allowed: authWebhook, at: "authWebhook")
        {
            return error
        }
        if let recovery = top["recovery"]?.objectValue {
            return unknown(in: recovery, allowed: Self.recovery, at: "recovery")
        }
        return nil
    }

    private static func unknown(in object: [String: JSONValue], allowed: Set<String>, at path: String) -> SettingsValidationError? {
        guard let key = object.keys.sorted().first(where: { !allowed.contains($0) }) else { return nil }
        return SettingsValidationError(
            field: path.isEmpty ? key : "\(path).\(key)",
            message: "unknown setting (allowed here: \(allowed.sorted().joined(separator: ", ")))")
    }
}
