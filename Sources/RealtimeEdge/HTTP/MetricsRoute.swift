import Foundation
import Hummingbird
import NIOCore
import RealtimeCore

/// `GET /metrics`: this node's counters in Prometheus text format (label `node`),
/// then the process and build series. The coordinator's view of the same node is
/// under `realtime_coordinator_node_*`, so sums over both jobs do not double-count.
extension EdgeNode {
    func addMetricsRoute(to router: Router<EdgeRequestContext>) {
        router.get("/metrics") { _, _ -> Response in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.prometheusText())))
        }
    }

    func prometheusText() -> String {
        let s = stats
        let label = "{node=\"\(Self.escapeLabel(nodeId))\"}"
        let descriptors = OpenFileLimitSnapshot.current()
        let series: [(name: String, type: String, help: String, value: Double)] = [
            ("realtime_open_files", "gauge", "File descriptors open in this process.", Double(descriptors.open)),
            ("realtime_open_files_limit", "gauge", "The process's soft open-file limit.", Double(descriptors.soft)),
            (
                "realtime_accept_failures_total", "counter",
                "Connections that could not be accepted for lack of file descriptors (EMFILE, ENFILE).",
                Double(s.acceptFailures.load(ordering: .relaxed))
            ),
            (
                "realtime_http_request_timeouts_total", "counter",
                "HTTP connections closed without a complete request head within --request-timeout.",
                Double(s.requestHeadTimeouts.load(ordering: .relaxed))
            ),
            (
                "realtime_http_idle_timeouts_total", "counter", "Kept-alive HTTP connections closed after idling --keep-alive-timeout.",
                Double(s.idleTimeouts.load(ordering: .relaxed))
            ),
            ("realtime_connections", "gauge", "Open client connections.", Double(connectionCount)),
            ("realtime_channels", "gauge", "Channels with a local member.", Double(channelCount)),
            ("realtime_backend_up", "gauge", "1 when the backend (Redis) is reachable.", isBackendUp ? 1 : 0),
            ("realtime_uptime_seconds", "gauge", "Seconds since the node started.", s.uptimeSeconds),
            ("realtime_connections_total", "counter", "Connections accepted.", Double(s.totalConnections.load(ordering: .relaxed))),
            ("realtime_messages_in_total", "counter", "Client events received.", Double(s.messagesIn.load(ordering: .relaxed))),
            ("realtime_messages_out_total", "counter", "Frames queued to clients.", Double(s.messagesOut.load(ordering: .relaxed))),
            ("realtime_bytes_in_total", "counter", "Bytes received from clients.", Double(s.bytesIn.load(ordering: .relaxed))),
            ("realtime_bytes_out_total", "counter", "Bytes queued to clients.", Double(s.bytesOut.load(ordering: .relaxed))),
            ("realtime_errors_sent_total", "counter", "Errors reported to clients.", Double(s.errorsSent.load(ordering: .relaxed))),
            (
                "realtime_connections_refused_total", "counter", "WebSocket upgrades refused by --max-connections or --max-connect-rate.",
                Double(admission.refusedCount)
            ),
            ("realtime_handshake_failures_total", "counter", "Refused handshakes.", Double(s.handshakeFailures.load(ordering: .relaxed))),
            (
                "realtime_rate_limit_rejections_total", "counter", "Events rejected by rate limits.",
                Double(s.rateLimitRejections.load(ordering: .relaxed))
            ),
            (
                "realtime_rate_limit_fallbacks_total", "counter", "Rate-limit checks decided locally while Redis was unreachable.",
                Double(backend.bus.rateLimitFallbackCount)
            ),
            (
                "realtime_slow_client_disconnects_total", "counter", "Clients disconnected for a full outbound queue.",
                Double(s.slowClientDisconnects.load(ordering: .relaxed))
            ),
            (
                "realtime_backend_outages_total", "counter", "Times the backend became unreachable.",
                Double(s.backendOutages.load(ordering: .relaxed))
            ),
        ]
        var text = ""
        for metric in series {
            text += "# HELP \(metric.name) \(metric.help)\n# TYPE \(metric.name) \(metric.type)\n"
            text += "\(metric.name)\(label) \(metric.value)\n"
        }
        let refusals = ruleRefusals.snapshot
        if !refusals.isEmpty {
            let name = "realtime_channel_rule_refusals_total"
            text += "# HELP \(name) Client events refused by a channel rule (label rule: its match).\n# TYPE \(name) counter\n"
            for (rule, actions) in refusals.sorted(by: { $0.key < $1.key }) {
                for (action, count) in actions.sorted(by: { $0.key < $1.key }) {
                    text +=
                        "\(name){node=\"\(Self.escapeLabel(nodeId))\",rule=\"\(Self.escapeLabel(rule))\",action=\"\(action)\"} \(Double(count))\n"
                }
            }
        }
        let nodeLabel = "node=\"\(Self.escapeLabel(nodeId))\""
        text += s.deliveryLatency.render(
            name: "realtime_delivery_latency_seconds",
            help: "Messages from their publish to the write of their frame on this edge, once per message and event loop.",
            labels: nodeLabel)
        text += s.serverAPILatency.render(
            name: "realtime_server_api_request_duration_seconds", help: "Server API requests, from the request to its response.",
            labels: nodeLabel)
        return text + ProcessMetrics.render(component: "edge")
    }

    /// A Prometheus label value: backslash, quote and newline escaped.
    static func escapeLabel(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
