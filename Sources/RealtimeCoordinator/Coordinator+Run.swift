import Hummingbird
import Logging
import ServiceLifecycle

extension Coordinator {
    /// The HTTP application serving the cluster view.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        addRoutes(to: router)
        let config = configuration
        return Application(
            router: router,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "realtime-coordinator"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? config.port) },
            logger: logger)
    }

    /// Serves and watches the cluster until SIGTERM/SIGINT. Services stop in reverse
    /// order: the lease is released first (the standby takes over at once), then the
    /// registry loop, then the HTTP server.
    public func run() async throws {
        // A refused password or TLS handshake is a clear error now, not a 503 forever.
        try await redis.checkCredentials()
        let app = makeApplication { port in
            self.logger.notice(
                "coordinator listening",
                metadata: [
                    "port": "\(port)", "coordinator": "\(self.id)",
                    "deadAfter": "\(self.configuration.deadAfter)",
                ])
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: app), .init(service: RegistryService(coordinator: self)),
                    .init(service: LeaseService(coordinator: self)),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            await shutdown()
            throw error
        }
        await shutdown()
    }
}
