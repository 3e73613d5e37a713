/// This edge's entry in the cluster registry, which the coordinator watches.
public protocol NodeRegistration: Sendable {
    /// Joins the registry. Members a crashed predecessor with the same node id left
    /// behind are removed and their leaves announced first: no coordinator would
    /// clean them, since the node never looked dead.
    func register() async throws
    /// Publishes this node's heartbeat (cluster backends only).
    func beat(_ heartbeat: NodeHeartbeat) async throws
    /// Leaves the registry on a graceful shutdown.
    func deregister() async
}
