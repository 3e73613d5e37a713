import Synchronization
import Testing

@testable import RealtimeRedis

/// A closure stored bare in a `Mutex` was re-wrapped on every read, so each
/// delivery cost more than the last. Guards against that coming back: the cost
/// of the last batch must stay of the same order as the first (a loose bound,
/// since with the defect it grew by well over an order of magnitude).
@Suite struct BackendEventRelayTests {
    @Test func deliveryCostStaysFlatOverManyEvents() {
        let relay = BackendEventRelay()
        let counter = EventCounter()
        relay.setHandler { _ in counter.value.add(1, ordering: .relaxed) }
        let clock = ContinuousClock()
        func batch() -> Duration {
            clock.measure {
                for _ in 0..<20_000 { relay.emit(.lost) }
            }
        }
        let first = batch()
        for _ in 0..<3 { _ = batch() }
        let last = batch()
        #expect(counter.value.load(ordering: .relaxed) == 100_000)
        #expect(last < first * 10, "first batch \(first), last batch \(last)")
    }
}

private final class EventCounter: Sendable {
    let value = Atomic<Int>(0)
}
