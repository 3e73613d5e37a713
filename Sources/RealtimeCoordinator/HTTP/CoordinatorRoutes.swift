import Hummingbird
import NIOCore
import SocketIOProtocol

/// `GET /`, `/cluster`, `/history`, `/metrics`, `/health/live`, `/health/ready` (`/health`). Every coordinator serves them,
/// leader or not: the view comes from its own registry, not from the leader.
extension Coordinator {
    func addRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: DashboardPage.html))
        }
        router.get("/cluster") { _, _ in
            Self.json(self.snapshot().json)
        }
        router.get("/history") { _, _ in
            Self.json(self.historyJSON)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }
        // Liveness: the process answers. Readiness (and `/health`, its alias): it can
        // read the registry; a coordinator cut off from Redis would show a frozen (and
        // eventually wrong) picture of the cluster.
        router.get("/health/live") { _, _ in
            Self.json(["status": "live", "coordinator": .string(self.id)])
        }
        router.get("/health/ready") { _, _ in self.readiness() }
        router.get("/health") { _, _ in self.readiness() }
    }

    func readiness() -> Response {
        let body: JSONValue = [
            "status": self.isRedisUp ? "ok" : "redis_unreachable",
            "coordinator": .string(self.id),
            "leader": .bool(self.lease.isLeader),
        ]
        return Self.json(body, status: self.isRedisUp ? .ok : .serviceUnavailable)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: value.serialized)))
    }
}
