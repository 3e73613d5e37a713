/// How the coordinator judges a node from the age of its latest heartbeat.
public enum NodeStatus: String, Sendable, CaseIterable {
    /// A heartbeat within `suspectAfter` (the edge writes one every second).
    case alive
    /// One or more beats missed, not yet long enough to act on.
    case suspect
    /// Silent for `deadAfter`: its members are removed and announced as left.
    case dead
}

struct HealthThresholds: Sendable, Equatable {
    var suspectAfter: Duration
    var deadAfter: Duration

    func judge(age: Duration) -> NodeStatus {
        if age >= deadAfter { return .dead }
        if age > suspectAfter { return .suspect }
        return .alive
    }
}
