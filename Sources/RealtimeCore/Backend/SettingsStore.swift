/// Where the cluster's settings live. A change is stored and announced to every edge
/// (including the one that made it) as `BackendEvent.settingsChanged`.
public protocol SettingsStore: Sendable {
    /// The stored settings, or nil when none are stored yet.
    func load() async throws -> RealtimeSettings?
    /// Stores `settings` unless some are stored already; returns what is in force.
    func seed(_ settings: RealtimeSettings) async throws -> RealtimeSettings
    /// Stores settings and tells every edge.
    func store(_ settings: RealtimeSettings) async throws
}
