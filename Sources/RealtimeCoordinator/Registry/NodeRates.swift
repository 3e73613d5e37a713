import RealtimeCore

/// Per-second rates of one node, from the deltas between its two latest distinct
/// heartbeats. The edge's own `ts` is the time base: both samples come from the
/// same clock, so coordinator scheduling jitter does not distort the rate.
struct NodeRates: Sendable, Equatable {
    var messagesIn: Double = 0
    var messagesOut: Double = 0
    var bytesIn: Double = 0
    var bytesOut: Double = 0
    var rateLimitRejections: Double = 0

    static let zero = NodeRates()

    init() {}

    /// A counter that went down means the edge restarted: that interval's rate is unknown, so 0.
    init(from old: NodeHeartbeat, to new: NodeHeartbeat) {
        self.init()
        let seconds = Double(new.timestamp - old.timestamp) / 1000
        guard seconds > 0 else { return }
        func rate(_ a: Int64, _ b: Int64) -> Double { b >= a ? Double(b - a) / seconds : 0 }
        messagesIn = rate(old.counters.messagesIn, new.counters.messagesIn)
        messagesOut = rate(old.counters.messagesOut, new.counters.messagesOut)
        bytesIn = rate(old.counters.bytesIn, new.counters.bytesIn)
        bytesOut = rate(old.counters.bytesOut, new.counters.bytesOut)
        rateLimitRejections = rate(old.counters.rateLimitRejections, new.counters.rateLimitRejections)
    }
}
