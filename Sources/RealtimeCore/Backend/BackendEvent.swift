/// What a backend tells its edge, from any thread. Handlers must be quick and never block.
public enum BackendEvent: Sendable {
    /// A message for local recipients.
    case delivery(Delivery)
    /// Settings changed somewhere in the cluster.
    case settingsChanged(RealtimeSettings)
    /// The backend became unreachable; publishes fail until `.restored`.
    case lost
    /// The backend is reachable again after a loss: the edge re-asserts its presence.
    case restored
    /// The coordinator declared this node dead (it was cut off, not dead): the edge
    /// re-asserts the presence of its live connections.
    case evicted
    /// A `user:signout` ended a session: close that user's connections of that
    /// session (all of them when `sessionId` is nil).
    case endSessions(userId: String, sessionId: String?)
}
