import RealtimeCore
import Synchronization

/// The settings in force on this edge: read on every handshake, replaced when
/// the cluster announces a change.
public final class SettingsStore: Sendable {
    private let current: Mutex<RealtimeSettings>

    public init(_ settings: RealtimeSettings) {
        current = Mutex(settings)
    }

    public var settings: RealtimeSettings { current.withLock { $0 } }

    public func replace(_ settings: RealtimeSettings) {
        current.withLock { $0 = settings }
    }
}
