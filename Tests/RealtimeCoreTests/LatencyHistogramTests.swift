import Testing

@testable import RealtimeCore

@Suite("Latency histogram")
struct LatencyHistogramTests {
    @Test("an observation lands in the first bucket whose bound it does not exceed")
    func bucketPlacement() {
        let histogram = LatencyHistogram(bounds: [0.001, 0.01, 0.1])
        histogram.observe(seconds: 0.001)  // on the bound: counted in it (le = less or equal)
        histogram.observe(seconds: 0.005)
        histogram.observe(seconds: 0.5)  // past every bound: +Inf only
        histogram.observe(seconds: -1)  // a clock step backwards counts as 0, not as a negative sum
        let (cumulative, sum, count) = histogram.snapshot
        #expect(cumulative == [2, 3, 3, 4])
        #expect(count == 4)
        #expect(abs(sum - 0.506) < 1e-9)
    }

    @Test("durations are converted to seconds")
    func durations() {
        let histogram = LatencyHistogram(bounds: [0.001, 1])
        histogram.observe(.microseconds(1500))
        #expect(histogram.snapshot.cumulative == [0, 1, 1])
        #expect(abs(histogram.snapshot.sum - 0.0015) < 1e-12)
    }

    @Test("exposition text: cumulative buckets with le, +Inf, _sum and _count, labels kept")
    func rendering() {
        let histogram = LatencyHistogram(bounds: [0.5, 1])
        histogram.observe(seconds: 0.25)
        histogram.observe(seconds: 2)
        let text = histogram.render(name: "x_seconds", help: "Things.", labels: #"node="a""#)
        #expect(
            text == """
                # HELP x_seconds Things.
                # TYPE x_seconds histogram
                x_seconds_bucket{node="a",le="0.5"} 1
                x_seconds_bucket{node="a",le="1.0"} 1
                x_seconds_bucket{node="a",le="+Inf"} 2
                x_seconds_sum{node="a"} 2.25
                x_seconds_count{node="a"} 2

                """)
        let bare = LatencyHistogram(bounds: [1]).render(name: "y", help: "Y.")
        #expect(bare.contains("y_bucket{le=\"+Inf\"} 0\ny_sum 0.0\ny_count 0\n"))
    }

    @Test("the wall clock is microseconds since the epoch")
    func wallClock() {
        let now = WallClock.microseconds()
        #expect(now > 1_700_000_000_000_000 && now < 4_000_000_000_000_000)
    }
}
