import Hummingbird
import Logging
import RealtimeCore
import RealtimeEdge
import RealtimeTestSupport

/// An edge running in this process on 127.0.0.1 (port chosen by the OS) with the
/// memory backend: the harness of the edge and server-SDK tests.
public final class InProcessEdge: Sendable {
    public let node: EdgeNode
    public let port: Int
    private let server: Task<Void, any Error>

    private init(node: EdgeNode, port: Int, server: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.server = server
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts an edge with `configuration` (its port is ignored: the OS picks one).
    public static func start(_ configuration: EdgeConfiguration, logLabel: String) async throws -> InProcessEdge {
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        var logger = Logger(label: logLabel)
        logger.logLevel = .critical
        let node = await EdgeNode(configuration: configuration, backend: .memory(), logger: logger)
        try await node.start()
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let app = node.makeApplication(onServerRunning: { port in
            portSink.yield(port)
            portSink.finish()
        })
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        let port = try await withDeadline(.seconds(10), "the edge to listen") {
            for await port in ports { return port }
            return nil
        }
        return InProcessEdge(node: node, port: port, server: server)
    }

    public func stop() async {
        node.closeConnections()
        server.cancel()
        _ = try? await server.value
        await node.backend.bus.shutdown()
    }
}
