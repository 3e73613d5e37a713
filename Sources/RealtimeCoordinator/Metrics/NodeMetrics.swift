import CoreMetrics

/// The per-node series, labelled `node=<id>`. An edge's own `/metrics` uses the
/// same names for itself, so dashboards work against either.
struct NodeMetrics: Sendable {
    private let states: [NodeStatus: Meter]
    private let heartbeatAge: Meter
    private let connections: Meter
    private let channels: Meter
    private let backendUp: Meter
    private let messagesInRate: Meter
    private let messagesOutRate: Meter
    private let bytesInRate: Meter
    private let bytesOutRate: Meter
    private var messagesIn: MirroredCounter
    private var messagesOut: MirroredCounter
    private var bytesIn: MirroredCounter
    private var bytesOut: MirroredCounter
    private var rateLimitRejections: MirroredCounter
    private var slowClientDisconnects: MirroredCounter

    init(node: String, factory: any MetricsFactory) {
        let d = [("node", node)]
        func meter(_ name: String) -> Meter { Meter(label: name, dimensions: d, factory: factory) }
        func counter(_ name: String) -> MirroredCounter { MirroredCounter(name, dimensions: d, factory: factory) }
        var states: [NodeStatus: Meter] = [:]
        for status in NodeStatus.allCases {
            states[status] = Meter(label: "realtime_node_state", dimensions: d + [("state", status.rawValue)], factory: factory)
        }
        self.states = states
        heartbeatAge = meter("realtime_node_heartbeat_age_seconds")
        connections = meter("realtime_connections")
        channels = meter("realtime_channels")
        backendUp = meter("realtime_backend_up")
        messagesInRate = meter("realtime_messages_in_per_second")
        messagesOutRate = meter("realtime_messages_out_per_second")
        bytesInRate = meter("realtime_bytes_in_per_second")
        bytesOutRate = meter("realtime_bytes_out_per_second")
        messagesIn = counter("realtime_messages_in_total")
        messagesOut = counter("realtime_messages_out_total")
        bytesIn = counter("realtime_bytes_in_total")
        bytesOut = counter("realtime_bytes_out_total")
        rateLimitRejections = counter("realtime_rate_limit_rejections_total")
        slowClientDisconnects = counter("realtime_slow_client_disconnects_total")
    }

    mutating func update(_ node: ClusterSnapshot.Node) {
        for (status, meter) in states { meter.set(status == node.status ? 1 : 0) }
        heartbeatAge.set(node.heartbeatAge.seconds)
        connections.set(node.connections)
        channels.set(node.channels)
        backendUp.set(node.backendUp ? 1 : 0)
        messagesInRate.set(node.rates.messagesIn)
        messagesOutRate.set(node.rates.messagesOut)
        bytesInRate.set(node.rates.bytesIn)
        bytesOutRate.set(node.rates.bytesOut)
        messagesIn.follow(node.counters.messagesIn)
        messagesOut.follow(node.counters.messagesOut)
        bytesIn.follow(node.counters.bytesIn)
        bytesOut.follow(node.counters.bytesOut)
        rateLimitRejections.follow(node.counters.rateLimitRejections)
        slowClientDisconnects.follow(node.counters.slowClientDisconnects)
    }

    /// Unregisters every series, so a forgotten node stops being exported.
    func destroy() {
        for meter in states.values { meter.destroy() }
        for meter in [heartbeatAge, connections, channels, backendUp, messagesInRate, messagesOutRate, bytesInRate, bytesOutRate] {
            meter.destroy()
        }
        for counter in [messagesIn, messagesOut, bytesIn, bytesOut, rateLimitRejections, slowClientDisconnects] {
            counter.counter.destroy()
        }
    }
}
