#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wall-clock time in microseconds since the Unix epoch: the one clock two edges
/// share, so a message's publish time can travel with it and its delivery latency
/// be measured where it is written (as exact as the hosts' clock synchronisation).
public enum WallClock {
    public static func microseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
    }
}
