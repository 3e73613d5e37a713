/// What an edge needs from the rest of the cluster, as five narrow seams. The edge
/// never knows whether it runs on memory (one node) or Redis (a cluster): every
/// implementation passes the same contract suite (Tests/BackendContractTests).
///
/// The seams of one backend may share connections (Redis keeps one pool and one
/// subscriber for all five); the bus owns that lifecycle: `bus.start` connects and
/// `bus.shutdown` disconnects everything.
public struct Backend: Sendable {
    public let bus: any MessageBus
    public let presence: any PresenceStore
    public let settings: any SettingsStore
    public let registration: any NodeRegistration
    public let recovery: any RecoveryStore

    public init(
        bus: any MessageBus, presence: any PresenceStore, settings: any SettingsStore, registration: any NodeRegistration,
        recovery: any RecoveryStore
    ) {
        self.bus = bus
        self.presence = presence
        self.settings = settings
        self.registration = registration
        self.recovery = recovery
    }

    /// For logs: which backend this is ("memory", "redis").
    public var kind: String { bus.kind }
}
