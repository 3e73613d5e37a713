/// Keys only coordinators use. The edges' keyspace is `RealtimeCore.RedisKeys`;
/// these share its `rt:` prefix so one `SCAN rt:*` shows the whole cluster.
enum CoordinatorKeys {
    /// String with TTL: the id of the coordinator allowed to clean up dead nodes.
    static let leader = "rt:coordinator:leader"
}
