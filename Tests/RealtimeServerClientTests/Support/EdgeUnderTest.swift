import RealtimeTestSupport
import Hummingbird
import Logging
import RealtimeCore
import RealtimeEdge

/// One edge running in-process on 127.0.0.1 (port chosen by the OS) with the memory
/// backend and a master key, for driving the server SDK end to end.
final class EdgeUnderTest: Sendable {
    static let masterKey = "sdk-tests-master-key"
    static let jwtSecret = "sdk-tests-jwt-secret-0123456789abcdef"

    let node: EdgeNode
    let port: Int
    private let server: Task<Void, any Error>

    private init(node: EdgeNode, port: Int, server: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.server = server
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    static func start() async throws -> EdgeUnderTest {
        var logger = Logger(label: "RealtimeServerClientTests")
        logger.logLevel = .critical
        let configuration = EdgeConfiguration(
            host: "127.0.0.1", port: 0, nodeId: "sdk-test-" + RandomID.make(length: 6),
            masterKey: masterKey, jwtSecret: jwtSecret)
        let node = await EdgeNode(configuration: configuration, broker: MemoryBroker(nodeId: configuration.nodeId), logger: logger)
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
        return EdgeUnderTest(node: node, port: port, server: server)
    }

    func stop() async {
        server.cancel()
        _ = try? await server.value
        await node.broker.shutdown()
    }
}

/// Runs `body` against a fresh edge, stopping it afterwards whatever happens.
func withEdge(_ body: (EdgeUnderTest) async throws -> Void) async throws {
    let edge = try await EdgeUnderTest.start()
    do {
        try await body(edge)
    } catch {
        await edge.stop()
        throw error
    }
    await edge.stop()
}
