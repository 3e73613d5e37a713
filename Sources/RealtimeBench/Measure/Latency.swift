import Histogram

/// An HdrHistogram of nanoseconds, 1 µs to 5 min at 3 significant digits.
struct LatencyHistogram {
    private(set) var histogram = Histogram<UInt64>(
        lowestDiscernibleValue: 1_000, highestTrackableValue: 300_000_000_000, numberOfSignificantValueDigits: .three)

    @inline(__always)
    mutating func record(nanos: UInt64) {
        histogram.record(Swift.min(Swift.max(nanos, 1_000), 300_000_000_000))
    }

    mutating func add(_ other: LatencyHistogram) {
        histogram.add(other.histogram)
    }

    var count: UInt64 { histogram.totalCount }

    var summary: LatencySummary { LatencySummary(self) }
}

/// Percentiles in milliseconds, as reported.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double

    init(_ latency: LatencyHistogram) {
        let h = latency.histogram
        count = h.totalCount
        func ms(_ ns: UInt64) -> Double { (Double(ns) / 1_000).rounded() / 1_000 }
        guard count > 0 else {
            p50 = 0
            p90 = 0
            p99 = 0
            p999 = 0
            max = 0
            mean = 0
            return
        }
        p50 = ms(h.valueAtPercentile(50))
        p90 = ms(h.valueAtPercentile(90))
        p99 = ms(h.valueAtPercentile(99))
        p999 = ms(h.valueAtPercentile(99.9))
        max = ms(h.max)
        mean = ms(UInt64(h.mean))
    }
}
