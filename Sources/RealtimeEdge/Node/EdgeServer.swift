import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle

extension EdgeNode {
    /// The HTTP application: Socket.IO endpoints, node routes and the server API.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: EdgeRequestContext.self)
        router.add(middleware: JSONErrorMiddleware())
        addNodeRoutes(to: router)
        addMetricsRoute(to: router)
        addPollingRefusal(to: router)
        addServerAPIRoutes(to: router)
        addStaticRoutes(to: router)
        let config = configuration
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in EdgeChildChannel(node: self, responder: responder) },
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "realtime-edge"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
    }

    /// Starts the node and serves until SIGTERM/SIGINT, then drains: clients are told
    /// to reconnect elsewhere, presence is cleaned up, and only then the server stops.
    public func run() async throws {
        try await start()
        let app = makeApplication { port in
            self.logger.notice("edge listening", metadata: ["port": "\(port)", "node": "\(self.nodeId)"])
        }
        let group = ServiceGroup(configuration: .init(
            // Reverse order on shutdown: drain first (heartbeats keep saying `draining`), then heartbeats stop, then the listener.
            services: [.init(service: app), .init(service: HeartbeatService(node: self)), .init(service: DrainService(node: self))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}

/// Shut down before the HTTP server (services stop in reverse order), so clients
/// are drained while the listener still answers health checks with 503.
struct DrainService: Service {
    let node: EdgeNode

    func run() async throws {
        try? await gracefulShutdown()
        node.logger.notice("draining edge")
        await node.shutdown()
    }
}

/// Publishes heartbeats until the node deregisters, so the coordinator sees a
/// draining edge as draining, not dead.
struct HeartbeatService: Service {
    let node: EdgeNode

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await node.heartbeatLoop()
        }
    }
}
