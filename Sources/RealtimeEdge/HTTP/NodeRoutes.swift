import Hummingbird
import RealtimeCore
import SocketIOProtocol

/// `GET /health/live`, `GET /health/ready` (alias `/health`) and `GET /stats`: what
/// probes, load balancers and operators read.
extension EdgeNode {
    func addNodeRoutes(to router: Router<EdgeRequestContext>) {
        // Liveness: answering at all is the proof. Never tied to Redis, so a Redis
        // outage does not make an orchestrator restart every edge (and drop every client).
        router.get("/health/live") { _, _ -> Response in
            JSONResponse.ok(["status": "live", "node": .string(self.nodeId)])
        }
        router.get("/health/ready") { _, _ -> Response in self.readiness() }
        router.get("/health") { _, _ -> Response in self.readiness() }
        router.get("/stats") { _, _ -> Response in
            JSONResponse.ok(self.statsJSON())
        }
    }

    /// Readiness: 503 while draining or cut off from the backend, so load balancers move on.
    func readiness() -> Response {
        if isDraining {
            return JSONResponse.ok(["status": "draining", "node": .string(nodeId)], status: .serviceUnavailable)
        }
        if !isBackendUp {
            return JSONResponse.ok(["status": "backend_unreachable", "node": .string(nodeId)], status: .serviceUnavailable)
        }
        return JSONResponse.ok(["status": "ok", "node": .string(nodeId)])
    }

    /// Node stats as JSON: the heartbeat document, as the coordinator reads it.
    public func statsJSON() -> JSONValue {
        heartbeat().json
    }

    /// This node's status report: `/stats`, and every second to the coordinator.
    public func heartbeat() -> NodeHeartbeat {
        let s = stats
        func n(_ v: Int) -> Int64 { Int64(v) }
        var counters = NodeHeartbeat.Counters()
        counters.totalConnections = n(s.totalConnections.load(ordering: .relaxed))
        counters.messagesIn = n(s.messagesIn.load(ordering: .relaxed))
        counters.messagesOut = n(s.messagesOut.load(ordering: .relaxed))
        counters.bytesIn = n(s.bytesIn.load(ordering: .relaxed))
        counters.bytesOut = n(s.bytesOut.load(ordering: .relaxed))
        counters.errorsSent = n(s.errorsSent.load(ordering: .relaxed))
        counters.handshakeFailures = n(s.handshakeFailures.load(ordering: .relaxed))
        counters.openSockets = n(admission.openCount)
        counters.connectionsRefused = n(admission.refusedCount)
        counters.slowClientDisconnects = n(s.slowClientDisconnects.load(ordering: .relaxed))
        counters.rateLimitRejections = n(s.rateLimitRejections.load(ordering: .relaxed))
        counters.rateLimitFallbacks = n(backend.bus.rateLimitFallbackCount)
        counters.backendOutages = n(s.backendOutages.load(ordering: .relaxed))
        counters.acceptFailures = n(s.acceptFailures.load(ordering: .relaxed))
        counters.requestHeadTimeouts = n(s.requestHeadTimeouts.load(ordering: .relaxed))
        counters.idleTimeouts = n(s.idleTimeouts.load(ordering: .relaxed))
        let downSince = s.backendDownSince.load(ordering: .relaxed)
        let descriptors = OpenFileLimitSnapshot.current()
        var heartbeat = NodeHeartbeat(
            node: nodeId,
            address: configuration.advertisedAddress ?? "http://\(configuration.host):\(configuration.port)",
            version: RealtimeVersion.current,
            uptimeSeconds: s.uptimeSeconds,
            connections: connectionCount,
            channels: channelCount,
            counters: counters,
            backend: .init(kind: backend.kind, up: isBackendUp, downSince: downSince == 0 ? nil : Int64(downSince)),
            draining: isDraining,
            timestamp: Int64((unixNow() * 1000).rounded()),
            settingsVersion: settings.current.version)
        heartbeat.channelRuleRefusals = ruleRefusals.snapshot
        heartbeat.openFiles = descriptors.open
        heartbeat.openFilesLimit = descriptors.soft
        return heartbeat
    }
}
