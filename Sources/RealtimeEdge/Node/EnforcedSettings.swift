import RealtimeCore
import Synchronization

/// The settings in force on this edge: read on every handshake, replaced when
/// the cluster announces a change.
public final class EnforcedSettings: Sendable {
    private let box: Mutex<RealtimeSettings>

    public init(_ settings: RealtimeSettings) {
        box = Mutex(settings)
    }

    public var current: RealtimeSettings { box.withLock { $0 } }

    public func replace(_ settings: RealtimeSettings) {
        box.withLock { $0 = settings }
    }
}
