import Foundation
import Synchronization

/// In-process fixed-window counters with the same semantics as the Redis script:
/// an event is checked against every limit in order and counted against all of
/// them only when none is exceeded (a rejected event consumes no budget).
/// Serves the single-node backend and the fail-open fallback when Redis is down.
public final class FixedWindowLimiter: Sendable {
    private struct Counter {
        /// Unix second at which this window ends.
        var windowEnd: Int
        var count: Int
    }
    private let counters = Mutex<[String: Counter]>([:])
    private let clock: @Sendable () -> Double

    public init(clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.clock = clock
    }

    /// Returns the first limit exceeded (nothing counted), or nil (counted against all).
    public func consume(_ check: RateLimitCheck) -> RateLimit? {
        let now = Int(clock())
        return counters.withLock { counters in
            var pending: [(key: String, windowEnd: Int, count: Int)] = []
            for limit in check.limits {
                let duration = max(1, limit.duration)
                let windowEnd = (now / duration + 1) * duration
                let key = limit.name + "\n" + check.subject
                let current = counters[key].flatMap { $0.windowEnd == windowEnd ? $0.count : nil } ?? 0
                if current >= limit.rate { return limit }
                pending.append((key, windowEnd, current + 1))
            }
            for entry in pending {
                counters[entry.key] = Counter(windowEnd: entry.windowEnd, count: entry.count)
            }
            if counters.count > 100_000 {
                counters = counters.filter { $0.value.windowEnd > now }
            }
            return nil
        }
    }
}
