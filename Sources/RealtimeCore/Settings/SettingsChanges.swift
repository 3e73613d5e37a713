import Foundation

/// What changed between two settings, one line per field, for the log an operator
/// reads after a change. API keys are never written out: a key shows as its name
/// (or `unnamed`) and `***`.
public enum SettingsChanges {
    public static func between(_ old: RealtimeSettings, _ new: RealtimeSettings) -> [String: String] {
        var changes: [String: String] = [:]
        func note<T: Equatable>(_ field: String, _ a: T, _ b: T, _ show: (T) -> String = { "\($0)" }) {
            if a != b { changes[field] = "\(show(a)) -> \(show(b))" }
        }
        note("version", old.version, new.version)
        note("enabled", old.enabled, new.enabled)
        note("apiKeyRequired", old.apiKeyRequired, new.apiKeyRequired)
        note("sessionRequired", old.sessionRequired, new.sessionRequired)
        note("signoutEndsSessions", old.signoutEndsSessions, new.signoutEndsSessions)
        note("apiKeys", old.apiKeys, new.apiKeys, masked)
        note("rateLimits", old.rateLimits, new.rateLimits) { limits in
            "[" + limits.map { "\($0.name) \($0.rate)/\($0.duration)s" }.joined(separator: ", ") + "]"
        }
        return changes
    }

    private static func masked(_ keys: [APIKey]) -> String {
        "["
            + keys.map { key in
                let expiry = key.expiresAt.map { " until \($0)" } ?? ""
                return "\(key.name ?? "unnamed")=***\(expiry)"
            }.joined(separator: ", ") + "]"
    }
}
