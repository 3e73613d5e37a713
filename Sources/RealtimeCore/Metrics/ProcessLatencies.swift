/// Latencies measured for the whole process rather than for one node: a process
/// has one set of Redis connections (shared by edges in tests), so one histogram.
public enum ProcessLatencies {
    /// Every Redis command, from its write being queued to its reply being read.
    public static let backendRoundTrip = LatencyHistogram()

    static func render() -> String {
        // Absent until the first command: a memory-mode edge has no Redis to time.
        guard backendRoundTrip.snapshot.count > 0 else { return "" }
        return backendRoundTrip.render(
            name: "realtime_redis_round_trip_seconds",
            help: "Redis commands from being queued for writing to their reply being read.")
    }
}
