import Synchronization

/// Settings of one node, lost with the process (the seed file brings them back).
/// Versions follow the same contract as in Redis: seed 0, every change one higher.
public final class MemorySettingsStore: SettingsStore {
    private let stored = Mutex<RealtimeSettings?>(nil)
    private let bus: MemoryMessageBus

    public init(bus: MemoryMessageBus) {
        self.bus = bus
    }

    public func load() async throws -> RealtimeSettings? {
        stored.withLock { $0 }
    }

    public func seed(_ settings: RealtimeSettings) async throws -> RealtimeSettings {
        stored.withLock { stored in
            if let existing = stored { return existing }
            stored = settings.withVersion(0)
            return settings.withVersion(0)
        }
    }

    public func store(_ settings: RealtimeSettings, above floor: Int64) async throws -> RealtimeSettings {
        let new = stored.withLock { stored in
            let new = settings.withVersion(max(stored?.version ?? 0, floor) + 1)
            stored = new
            return new
        }
        bus.emit(.settingsChanged(new))
        return new
    }

    public func restore(_ enforced: RealtimeSettings) async throws -> SettingsRestore {
        stored.withLock { stored in
            if let current = stored, current.version > enforced.version { return .newer(current) }
            if let current = stored, current.version == enforced.version { return .inAgreement }
            stored = enforced
            return .wroteBack
        }
    }
}
