import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
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
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "realtime-edge", backlog: config.backlog),
            onServerRunning: { channel in
                await self.tuneListener(channel)
                await onServerRunning(channel.localAddress?.port ?? config.port)
            },
            logger: logger)
    }

    /// NIO accepts 4 connections per wake-up by default; a burst of thousands then
    /// waits in the kernel queue. Accepting in larger batches drains it faster.
    static let acceptBatch = 256

    private func tuneListener(_ listener: any Channel) async {
        do {
            try await listener.setOption(ChannelOptions.maxMessagesPerRead, value: UInt(Self.acceptBatch)).get()
            try await listener.eventLoop.submit {
                try listener.pipeline.syncOperations.addHandler(
                    AcceptFailureMonitor(stats: self.stats, logger: self.logger), position: .first)
            }.get()
        } catch {
            logger.warning("listener setup incomplete", metadata: ["error": "\(error)"])
        }
        let kernelCap = ListenBacklog.kernelCap()
        logger.notice(
            "listen backlog",
            metadata: [
                "requested": "\(configuration.backlog)", "kernelCap": "\(kernelCap.map(String.init) ?? "unknown")",
            ])
    }

    /// Starts the node and serves until SIGTERM/SIGINT, then drains: clients are told
    /// to reconnect elsewhere, presence is cleaned up, and only then the server stops.
    public func run() async throws {
        try await start()
        let app = makeApplication { port in
            self.logger.notice("edge listening", metadata: ["port": "\(port)", "node": "\(self.nodeId)"])
        }
        let group = ServiceGroup(
            configuration: .init(
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
        node.logger.notice("draining edge", metadata: ["drainTimeout": "\(node.configuration.drainTimeout)"])
        DrainDeadline.start(after: node.configuration.drainTimeout, logger: node.logger) { [node] in node.connectionCount }
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
