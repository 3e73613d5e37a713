/// Where the cluster's settings live. A change is stored and announced to every edge
/// (including the one that made it) as `BackendEvent.settingsChanged`.
///
/// Settings carry a `version` (SPEC §7): a seed is version 0, every change a higher
/// one. The store never lets an older version replace a newer one.
public protocol SettingsStore: Sendable {
    /// The stored settings, or nil when none are stored.
    func load() async throws -> RealtimeSettings?
    /// Stores `settings` as version 0 unless some are stored already; returns what is
    /// stored now.
    func seed(_ settings: RealtimeSettings) async throws -> RealtimeSettings
    /// Stores a change with a version above the stored one and above `floor` (the
    /// version the changing edge enforces), tells every edge, and returns the
    /// settings as stored, with their version.
    func store(_ settings: RealtimeSettings, above floor: Int64) async throws -> RealtimeSettings
    /// Writes `enforced` back when nothing or an older version is stored (and tells
    /// every edge); reports newer stored settings instead of touching them.
    func restore(_ enforced: RealtimeSettings) async throws -> SettingsRestore
}

/// What `SettingsStore.restore` found.
public enum SettingsRestore: Sendable, Equatable {
    /// The stored version is the enforced one.
    case inAgreement
    /// Nothing or an older version was stored: the enforced settings were written back.
    case wroteBack
    /// A newer version is stored (its announcement was missed): enforce it.
    case newer(RealtimeSettings)
}
