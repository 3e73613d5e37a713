/// A single node has no cluster registry and no coordinator to report to.
public struct MemoryNodeRegistration: NodeRegistration {
    public init() {}
    public func register() async throws {}
    public func beat(_ heartbeat: NodeHeartbeat) async throws {}
    public func deregister() async {}
}
