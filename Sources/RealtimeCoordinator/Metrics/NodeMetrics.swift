import Prometheus

/// The coordinator's view of each node, labelled `node=<id>`, under
/// `realtime_coordinator_node_*` names: an edge exports its own numbers as
/// `realtime_*`, so a query over both scrape jobs never counts a node twice.
struct NodeMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let states: [NodeStatus: Gauge]
    private let gauges: Gauges
    private var counters: [MirroredCounter]
    private var settingsVersion: Gauge?
    private let labels: [(String, String)]

    private struct Gauges: Sendable {
        var heartbeatAge: Gauge
        var connections: Gauge
        var channels: Gauge
        var backendUp: Gauge
        var all: [Gauge] { [heartbeatAge, connections, channels, backendUp] }
    }

    /// Name suffix and help of each mirrored counter, in the order `update` feeds them.
    private static let counterNames: [(String, String)] = [
        ("messages_in_total", "Client events the node received (from its heartbeats)."),
        ("messages_out_total", "Frames the node queued to clients (from its heartbeats)."),
        ("bytes_in_total", "Bytes the node received from clients (from its heartbeats)."),
        ("bytes_out_total", "Bytes the node queued to clients (from its heartbeats)."),
        ("rate_limit_rejections_total", "Events the node rejected by rate limits (from its heartbeats)."),
        ("slow_client_disconnects_total", "Clients the node disconnected for a full outbound queue (from its heartbeats)."),
    ]

    init(node: String, registry: PrometheusCollectorRegistry) {
        self.registry = registry
        let d = [("node", node)]
        labels = d
        func gauge(_ suffix: String, _ help: String) -> Gauge {
            registry.gauge("realtime_coordinator_node_\(suffix)", labels: d, help: help)
        }
        var states: [NodeStatus: Gauge] = [:]
        for status in NodeStatus.allCases {
            states[status] = registry.gauge(
                "realtime_coordinator_node_state", labels: d + [("state", status.rawValue)],
                help: "1 for the node's current state (alive, suspect, dead), 0 for the others.")
        }
        self.states = states
        gauges = Gauges(
            heartbeatAge: gauge("heartbeat_age_seconds", "Seconds since the node's latest fresh heartbeat."),
            connections: gauge("connections", "Open client connections the node reported (0 once dead)."),
            channels: gauge("channels", "Channels with a member on the node (0 once dead)."),
            backendUp: gauge("backend_up", "1 when the node reported its backend (Redis) reachable."))
        counters = Self.counterNames.map { suffix, help in
            MirroredCounter("realtime_coordinator_node_\(suffix)", labels: d, help: help, registry: registry)
        }
    }

    mutating func update(_ node: ClusterSnapshot.Node) {
        for (status, gauge) in states { gauge.set(to: status == node.status ? 1 : 0) }
        gauges.heartbeatAge.set(to: node.heartbeatAge.seconds)
        gauges.connections.set(to: Double(node.connections))
        gauges.channels.set(to: Double(node.channels))
        gauges.backendUp.set(to: node.backendUp ? 1 : 0)
        let c = node.counters
        let values = [c.messagesIn, c.messagesOut, c.bytesIn, c.bytesOut, c.rateLimitRejections, c.slowClientDisconnects]
        for i in counters.indices { counters[i].follow(values[i]) }
        // Only for edges that report it: a missing series is not version 0.
        if let version = node.settingsVersion {
            if settingsVersion == nil {
                settingsVersion = registry.gauge(
                    "realtime_coordinator_node_settings_version", labels: labels,
                    help: "The settings version the node enforces.")
            }
            settingsVersion?.set(to: Double(version))
        }
    }

    /// Unregisters every series, so a forgotten node stops being exported.
    func destroy() {
        for gauge in Array(states.values) + gauges.all { registry.unregisterGauge(gauge) }
        if let settingsVersion { registry.unregisterGauge(settingsVersion) }
        for counter in counters { registry.unregisterCounter(counter.counter) }
    }
}
