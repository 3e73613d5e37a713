/// A settings problem, named by the field it concerns (e.g. `rateLimits[1].rate`).
public struct SettingsValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var field: String
    public var message: String
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }
}

extension RealtimeSettings {
    public func validate() throws(SettingsValidationError) {
        var keys = Set<String>()
        for (i, apiKey) in apiKeys.enumerated() {
            if apiKey.key.isEmpty || apiKey.key.utf8.count > 512 {
                throw .init(field: "apiKeys[\(i)].key", message: "must be 1 to 512 bytes")
            }
            if !keys.insert(apiKey.key).inserted {
                throw .init(field: "apiKeys[\(i)].key", message: "duplicate key")
            }
        }
        var names = Set<String>()
        for (i, limit) in rateLimits.enumerated() {
            if limit.name.isEmpty || limit.name.utf8.count > 128 {
                throw .init(field: "rateLimits[\(i)].name", message: "must be 1 to 128 bytes")
            }
            if !names.insert(limit.name).inserted {
                throw .init(field: "rateLimits[\(i)].name", message: "duplicate name \(limit.name)")
            }
            if limit.rate < 1 { throw .init(field: "rateLimits[\(i)].rate", message: "must be at least 1") }
            if limit.duration < 1 || limit.duration > 86_400 {
                throw .init(field: "rateLimits[\(i)].duration", message: "must be 1 to 86400 seconds")
            }
        }
        if rateLimits.count > 16 {
            throw .init(field: "rateLimits", message: "at most 16 limits")
        }
        try validateChannelRules()
        if !(1...86_400).contains(recovery.maxDisconnectionSeconds) {
            throw .init(field: "recovery.maxDisconnectionSeconds", message: "must be 1 to 86400 seconds")
        }
    }
}
