import Prometheus

/// A Prometheus counter that follows a cumulative count kept elsewhere (an edge's
/// heartbeat, the cleanups hash in Redis). It only ever goes up: when the source
/// goes down (the edge restarted) the new count is added, which is how Prometheus
/// itself treats a counter reset.
struct MirroredCounter: Sendable {
    let counter: Prometheus.Counter
    private var last: Int64?

    init(_ name: String, labels: [(String, String)], help: String, registry: PrometheusCollectorRegistry) {
        counter = registry.counter(name, labels: labels, help: help)
    }

    mutating func follow(_ value: Int64) {
        let delta = value >= (last ?? 0) ? value - (last ?? 0) : value
        if delta > 0 { counter.increment(by: delta) }
        last = value
    }
}
