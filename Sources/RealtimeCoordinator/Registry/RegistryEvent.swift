/// Transitions the registry reports so the coordinator can log them (and tests can
/// reason about them); judging itself never performs I/O.
enum RegistryEvent: Sendable, Equatable, CustomStringConvertible {
    case discovered(String)
    case statusChanged(String, from: NodeStatus, to: NodeStatus)
    /// A node judged dead sent a fresh heartbeat again.
    case readmitted(String)
    /// Left `rt:nodes` while healthy: a graceful shutdown, not a death.
    case deregistered(String)
    /// Left `rt:nodes` while silent: another coordinator cleaned it up.
    case evictedElsewhere(String)
    /// Dead long enough to drop from the cluster view.
    case forgotten(String)

    var description: String {
        switch self {
        case .discovered(let id): "node \(id) discovered"
        case .statusChanged(let id, let from, let to): "node \(id) \(from.rawValue) -> \(to.rawValue)"
        case .readmitted(let id): "node \(id) re-admitted"
        case .deregistered(let id): "node \(id) deregistered"
        case .evictedElsewhere(let id): "node \(id) cleaned up by another coordinator"
        case .forgotten(let id): "node \(id) forgotten"
        }
    }
}
