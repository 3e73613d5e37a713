import Prometheus
import RealtimeCore
import Synchronization

/// `GET /metrics`: cluster totals, this coordinator's own state and its per-node
/// view, in this coordinator's own Prometheus registry (not a global metrics
/// system, so embedding the coordinator never fights over a bootstrap). Every
/// family carries HELP; rates are left to `rate()` over counters. Refreshed from
/// each registry tick's snapshot.
final class CoordinatorMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    /// Dead-node cleanups that finished, from start to the last member removed.
    let cleanupDuration = LatencyHistogram()
    private let state: Mutex<State>

    private struct State: Sendable {
        var nodes: [String: NodeMetrics] = [:]
        var limits: [String: MirroredCounter] = [:]
        let nodesByStatus: [NodeStatus: Gauge]
        let connections: Gauge
        let channels: Gauge
        let leader: Gauge
        let redisUp: Gauge
        let settingsDrift: Gauge
        var settingsVersion: Gauge?
        var cleanedNodes: MirroredCounter
        var cleanedMembers: MirroredCounter
    }

    init() {
        let registry = registry
        func gauge(_ name: String, _ help: String) -> Gauge { registry.gauge(name, labels: [], help: help) }
        func counter(_ name: String, _ help: String) -> MirroredCounter {
            MirroredCounter(name, labels: [], help: help, registry: registry)
        }
        var byStatus: [NodeStatus: Gauge] = [:]
        for status in NodeStatus.allCases {
            byStatus[status] = registry.gauge(
                "realtime_cluster_nodes", labels: [("status", status.rawValue)],
                help: "Nodes the coordinator knows, by status.")
        }
        state = Mutex(
            State(
                nodesByStatus: byStatus,
                connections: gauge("realtime_cluster_connections", "Open client connections over alive and suspect nodes."),
                channels: gauge("realtime_cluster_channels", "Channels with at least one member in the cluster."),
                leader: gauge("realtime_coordinator_leader", "1 when this coordinator holds the leader lease."),
                redisUp: gauge("realtime_coordinator_redis_up", "1 when this coordinator reaches Redis."),
                settingsDrift: gauge(
                    "realtime_coordinator_settings_drift_nodes",
                    "Live nodes enforcing another settings version than the stored one."),
                cleanedNodes: counter("realtime_coordinator_cleaned_nodes_total", "Dead nodes whose state the leader removed."),
                cleanedMembers: counter(
                    "realtime_coordinator_cleaned_members_total", "Channel memberships of dead nodes the leader removed.")))
    }

    func update(_ snapshot: ClusterSnapshot) {
        state.withLock { state in
            for (status, gauge) in state.nodesByStatus { gauge.set(to: Double(snapshot.count(status))) }
            state.connections.set(to: Double(snapshot.totalConnections))
            state.channels.set(to: Double(snapshot.channelCount))
            state.leader.set(to: snapshot.isLeader ? 1 : 0)
            state.redisUp.set(to: snapshot.redisUp ? 1 : 0)
            state.settingsDrift.set(to: Double(snapshot.settingsMismatches.count))
            if let version = snapshot.storedSettingsVersion {
                state.settingsVersion =
                    state.settingsVersion
                    ?? registry.gauge(
                        "realtime_coordinator_settings_version", labels: [],
                        help: "Version of the settings stored in Redis.")
                state.settingsVersion?.set(to: Double(version))
            }
            state.cleanedNodes.follow(Int64(snapshot.cleanups.nodes))
            state.cleanedMembers.follow(Int64(snapshot.cleanups.members))

            for (limit, count) in snapshot.rateLimits.perLimit {
                var counter =
                    state.limits[limit]
                    ?? MirroredCounter(
                        "realtime_cluster_rate_limit_rejections_total", labels: [("limit", limit)],
                        help: "Events rejected by each rate limit, over the cluster.", registry: registry)
                counter.follow(count)
                state.limits[limit] = counter
            }

            var seen = Set<String>()
            for node in snapshot.nodes {
                seen.insert(node.id)
                var metrics = state.nodes[node.id] ?? NodeMetrics(node: node.id, registry: registry)
                metrics.update(node)
                state.nodes[node.id] = metrics
            }
            for id in Array(state.nodes.keys) where !seen.contains(id) {
                state.nodes.removeValue(forKey: id)?.destroy()
            }
        }
    }

    /// Prometheus text exposition format, with the process and build series.
    func render() -> String {
        registry.emitToString()
            + cleanupDuration.render(
                name: "realtime_coordinator_cleanup_duration_seconds",
                help: "Dead-node cleanups by this coordinator that finished, from start to the last member removed.")
            + ProcessMetrics.render(component: "coordinator")
    }
}
