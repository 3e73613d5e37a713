import CoreMetrics
import Prometheus
import Synchronization

/// `GET /metrics`: cluster totals and per-node series, via swift-metrics handles
/// backed by this coordinator's own Prometheus registry (not the global metrics
/// system, so embedding the coordinator never fights over the bootstrap).
/// Refreshed from each registry tick's snapshot.
final class CoordinatorMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let state: Mutex<State>

    private struct State: Sendable {
        let factory: PrometheusMetricsFactory
        var nodes: [String: NodeMetrics] = [:]
        var limits: [String: MirroredCounter] = [:]
        let nodesByStatus: [NodeStatus: Meter]
        let connections: Meter
        let channels: Meter
        let messagesInRate: Meter
        let messagesOutRate: Meter
        let bytesInRate: Meter
        let bytesOutRate: Meter
        let leader: Meter
        let redisUp: Meter
        var cleanedNodes: MirroredCounter
        var cleanedMembers: MirroredCounter
    }

    init() {
        let factory = PrometheusMetricsFactory(registry: registry)
        func meter(_ name: String) -> Meter { Meter(label: name, dimensions: [], factory: factory) }
        var byStatus: [NodeStatus: Meter] = [:]
        for status in NodeStatus.allCases {
            byStatus[status] = Meter(label: "realtime_cluster_nodes", dimensions: [("status", status.rawValue)], factory: factory)
        }
        state = Mutex(
            State(
                factory: factory,
                nodesByStatus: byStatus,
                connections: meter("realtime_cluster_connections"),
                channels: meter("realtime_cluster_channels"),
                messagesInRate: meter("realtime_cluster_messages_in_per_second"),
                messagesOutRate: meter("realtime_cluster_messages_out_per_second"),
                bytesInRate: meter("realtime_cluster_bytes_in_per_second"),
                bytesOutRate: meter("realtime_cluster_bytes_out_per_second"),
                leader: meter("realtime_coordinator_leader"),
                redisUp: meter("realtime_coordinator_redis_up"),
                cleanedNodes: MirroredCounter("realtime_coordinator_cleaned_nodes_total", dimensions: [], factory: factory),
                cleanedMembers: MirroredCounter("realtime_coordinator_cleaned_members_total", dimensions: [], factory: factory)))
    }

    func update(_ snapshot: ClusterSnapshot) {
        state.withLock { state in
            for (status, meter) in state.nodesByStatus { meter.set(snapshot.count(status)) }
            state.connections.set(snapshot.totalConnections)
            state.channels.set(snapshot.channelCount)
            state.messagesInRate.set(snapshot.totalMessagesIn)
            state.messagesOutRate.set(snapshot.totalMessagesOut)
            state.bytesInRate.set(snapshot.totalBytesIn)
            state.bytesOutRate.set(snapshot.totalBytesOut)
            state.leader.set(snapshot.isLeader ? 1 : 0)
            state.redisUp.set(snapshot.redisUp ? 1 : 0)
            state.cleanedNodes.follow(Int64(snapshot.cleanups.nodes))
            state.cleanedMembers.follow(Int64(snapshot.cleanups.members))

            for (limit, count) in snapshot.rateLimits.perLimit {
                var counter =
                    state.limits[limit]
                    ?? MirroredCounter(
                        "realtime_cluster_rate_limit_rejections_total", dimensions: [("limit", limit)], factory: state.factory)
                counter.follow(count)
                state.limits[limit] = counter
            }

            var seen = Set<String>()
            for node in snapshot.nodes {
                seen.insert(node.id)
                var metrics = state.nodes[node.id] ?? NodeMetrics(node: node.id, factory: state.factory)
                metrics.update(node)
                state.nodes[node.id] = metrics
            }
            for id in Array(state.nodes.keys) where !seen.contains(id) {
                state.nodes.removeValue(forKey: id)?.destroy()
            }
        }
    }

    /// Prometheus text exposition format.
    func render() -> String { registry.emitToString() }
}
