import Synchronization

/// A Prometheus histogram of durations with fixed buckets, rendered as exposition text.
///
/// Fixed buckets keep an observation to a short scan and two additions under an
/// uncontended lock: these sit on delivery and Redis paths, observed once per
/// message (not per recipient), so they must cost next to nothing.
public final class LatencyHistogram: Sendable {
    /// Upper bounds in seconds: 100 µs to 10 s, enough resolution where a broker's
    /// latencies live (sub-millisecond to a few hundred milliseconds).
    public static let defaultBounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private struct Counts {
        var buckets: [UInt64]  // not cumulative; the last one is +Inf
        var sum: Double = 0
    }

    public let bounds: [Double]
    private let counts: Mutex<Counts>

    public init(bounds: [Double] = LatencyHistogram.defaultBounds) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds must increase")
        self.bounds = bounds
        self.counts = Mutex(Counts(buckets: Array(repeating: 0, count: bounds.count + 1)))
    }

    public func observe(seconds: Double) {
        let value = max(0, seconds)
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        counts.withLock { counts in
            counts.buckets[index] += 1
            counts.sum += value
        }
    }

    public func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(seconds: Double(seconds) + Double(attoseconds) / 1e18)
    }

    /// Cumulative bucket counts (one per bound, then +Inf), the sum and the count.
    public var snapshot: (cumulative: [UInt64], sum: Double, count: UInt64) {
        let counts = counts.withLock { $0 }
        var running: UInt64 = 0
        let cumulative = counts.buckets.map { count -> UInt64 in
            running += count
            return running
        }
        return (cumulative, counts.sum, running)
    }

    /// `# HELP`, `# TYPE` and the `_bucket`, `_sum` and `_count` series. `labels` is
    /// the inside of the braces, already escaped (`node="edge-1"`), or empty.
    public func render(name: String, help: String, labels: String = "") -> String {
        let (cumulative, sum, count) = snapshot
        let prefix = labels.isEmpty ? "" : labels + ","
        let suffix = labels.isEmpty ? "" : "{\(labels)}"
        var text = "# HELP \(name) \(help)\n# TYPE \(name) histogram\n"
        for (bound, running) in zip(bounds, cumulative) {
            text += "\(name)_bucket{\(prefix)le=\"\(bound)\"} \(running)\n"
        }
        text += "\(name)_bucket{\(prefix)le=\"+Inf\"} \(count)\n"
        text += "\(name)_sum\(suffix) \(sum)\n\(name)_count\(suffix) \(count)\n"
        return text
    }
}
