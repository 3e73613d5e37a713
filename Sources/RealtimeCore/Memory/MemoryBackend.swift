extension Backend {
    /// The single-node backend: presence and settings in memory, deliveries handed
    /// straight back to the edge. The embedded default (no Redis needed).
    public static func memory() -> Backend {
        let bus = MemoryMessageBus()
        return Backend(
            bus: bus, presence: MemoryPresenceStore(bus: bus), settings: MemorySettingsStore(bus: bus),
            registration: MemoryNodeRegistration(), recovery: bus.recovery)
    }
}
