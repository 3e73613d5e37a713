#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's open-file limit. Every socket is a descriptor, and the usual soft
/// limit (1024) is far below what an edge holds; the hard limit is what the operator
/// granted, so a process raises its soft limit to it at startup.
public enum OpenFileLimit {
    public struct Limits: Sendable, Equatable {
        public var soft: Int64
        public var hard: Int64
    }

    public static func current() -> Limits? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        return Limits(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max))
    }

    /// Raises the soft limit to the hard one. Returns the limits before and after
    /// (after equals before when the raise failed or was not needed).
    @discardableResult
    public static func raiseSoftToHard() -> (before: Limits, after: Limits)? {
        var limit = rlimit()
        guard getrlimit(Self.resource, &limit) == 0 else { return nil }
        let before = Limits(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max))
        if limit.rlim_cur != limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            // Darwin refuses RLIM_INFINITY for descriptors; Linux's hard limit is finite.
            _ = setrlimit(Self.resource, &raised)
        }
        return (before, current() ?? before)
    }

    /// Descriptors open now, from /proc (nil where there is no /proc).
    public static func openCount() -> Int64? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count: Int64 = 0
        while let entry = readdir(dir) {
            let name = entry.pointee.d_name.0
            if name != CChar(UInt8(ascii: ".")) { count += 1 }
        }
        return count - 1  // the descriptor of the directory being read
    }

    #if canImport(Glibc)
        private static let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        private static let resource = RLIMIT_NOFILE
    #endif

    private static func clamp(_ value: rlim_t) -> Int64 {
        value >= rlim_t(Int64.max) ? Int64.max : Int64(value)
    }
}
