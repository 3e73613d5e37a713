/// Keys only coordinators use. The edges' keyspace is `RealtimeCore.RedisKeys`;
/// these share its `rt:` prefix so one `SCAN rt:*` shows the whole cluster.
enum CoordinatorKeys {
    /// String with TTL: the id of the coordinator allowed to clean up dead nodes.
    static let leader = "rt:coordinator:leader"
    /// Hash `nodes`, `members`: dead-node cleanups done by any coordinator.
    static let cleanups = "rt:coordinator:cleanups"
    /// Control-topic notice telling a node it was declared dead and cleaned up; an
    /// edge that was only partitioned re-asserts its presence when it sees its own id.
    static func evictedNotice(_ nodeId: String) -> String { "evicted\n" + nodeId }
}
