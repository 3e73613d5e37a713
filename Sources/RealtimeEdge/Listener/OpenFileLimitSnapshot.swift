import RealtimeCore

/// Open descriptors and the soft limit, for the /stats gauge and log lines.
struct OpenFileLimitSnapshot {
    var open: Int64
    var soft: Int64

    static func current() -> OpenFileLimitSnapshot {
        OpenFileLimitSnapshot(open: OpenFileLimit.openCount() ?? 0, soft: OpenFileLimit.current()?.soft ?? 0)
    }
}
