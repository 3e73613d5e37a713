import Synchronization

/// Settings of one node, lost with the process (the seed file brings them back).
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
            stored = settings
            return settings
        }
    }

    public func store(_ settings: RealtimeSettings) async throws {
        stored.withLock { $0 = settings }
        bus.emit(.settingsChanged(settings))
    }
}
