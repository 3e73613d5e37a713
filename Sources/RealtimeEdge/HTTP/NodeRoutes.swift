import Hummingbird
import RealtimeCore
import SocketIOProtocol

/// `GET /health` and `GET /stats`: what load balancers and operators read.
extension EdgeNode {
    func addNodeRoutes(to router: Router<EdgeRequestContext>) {
        router.get("/health") { _, _ -> Response in
            // Unhealthy while draining or cut off from the backend, so the load balancer moves on.
            if self.isDraining {
                return JSONResponse.ok(["status": "draining", "node": .string(self.nodeId)], status: .serviceUnavailable)
            }
            if !self.isBackendUp {
                return JSONResponse.ok(["status": "backend_unreachable", "node": .string(self.nodeId)], status: .serviceUnavailable)
            }
            return JSONResponse.ok(["status": "ok", "node": .string(self.nodeId)])
        }
        router.get("/stats") { _, _ -> Response in
            JSONResponse.ok(self.statsJSON())
        }
    }

    /// Node stats as JSON: also the heartbeat body the coordinator reads.
    public func statsJSON() -> JSONValue {
        let s = stats
        func n(_ v: Int) -> JSONValue { .number(Double(v)) }
        let downSince = s.backendDownSince.load(ordering: .relaxed)
        return .object([
            "node": .string(nodeId),
            "address": .string(configuration.advertisedAddress ?? "http://\(configuration.host):\(configuration.port)"),
            "version": .string(RealtimeVersion.current),
            "uptimeSeconds": .number((s.uptimeSeconds * 10).rounded() / 10),
            "connections": n(connectionCount),
            "totalConnections": n(s.totalConnections.load(ordering: .relaxed)),
            "channels": n(channelCount),
            "messagesIn": n(s.messagesIn.load(ordering: .relaxed)),
            "messagesOut": n(s.messagesOut.load(ordering: .relaxed)),
            "bytesIn": n(s.bytesIn.load(ordering: .relaxed)),
            "bytesOut": n(s.bytesOut.load(ordering: .relaxed)),
            "errorsSent": n(s.errorsSent.load(ordering: .relaxed)),
            "handshakeFailures": n(s.handshakeFailures.load(ordering: .relaxed)),
            "openSockets": n(admission.openCount),
            "connectionsRefused": n(admission.refusedCount),
            "slowClientDisconnects": n(s.slowClientDisconnects.load(ordering: .relaxed)),
            "rateLimitRejections": n(s.rateLimitRejections.load(ordering: .relaxed)),
            "rateLimitFallbacks": n(broker.rateLimitFallbackCount),
            "backend": .object([
                "kind": .string(broker is MemoryBroker ? "memory" : "redis"),
                "up": .bool(isBackendUp),
                "outages": n(s.backendOutages.load(ordering: .relaxed)),
                "downSince": downSince == 0 ? .null : n(downSince),
            ]),
            "draining": .bool(isDraining),
        ])
    }
}

public enum RealtimeVersion {
    public static let current = "0.1.0"
}
