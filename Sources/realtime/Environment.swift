import Foundation

/// Flags fall back to REALTIME_* environment variables (PROTOCOL.md §5).
enum Env {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static func int(_ name: String) -> Int? { value(name).flatMap(Int.init) }

    static func double(_ name: String) -> Double? { value(name).flatMap(Double.init) }
}
