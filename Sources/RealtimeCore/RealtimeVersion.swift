/// The release, reported by an edge's `/node`, its heartbeats and
/// `realtime_build_info` on every process (so it lives here, not in the edge).
public enum RealtimeVersion {
    public static let current = "0.1.0"
}
