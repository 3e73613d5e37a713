import RealtimeTestSupport
import Foundation
import Hummingbird
import Logging
import RealtimeCore
import RealtimeEdge
import SocketIOProtocol
import Synchronization

/// An edge running in-process on 127.0.0.1 with an OS-chosen port and the memory backend.
final class TestEdge: Sendable {
    let node: EdgeNode
    let port: Int
    private let server: Task<Void, any Error>
    private let clients = Mutex<[SocketIOTestClient]>([])

    static let masterKey = "master-key-for-tests"
    static let jwtSecret = "jwt-secret-for-edge-tests-0123456789"

    static var logger: Logger {
        var logger = Logger(label: "RealtimeEdgeTests")
        logger.logLevel = .critical
        return logger
    }

    private init(node: EdgeNode, port: Int, server: Task<Void, any Error>) {
        self.node = node
        self.port = port
        self.server = server
    }

    static func start(_ configure: (inout EdgeConfiguration) -> Void = { _ in }) async throws -> TestEdge {
        var configuration = EdgeConfiguration(
            host: "127.0.0.1", port: 0, nodeId: "edge-test-" + RandomID.make(length: 6),
            masterKey: masterKey, jwtSecret: jwtSecret)
        configure(&configuration)
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
        return TestEdge(node: node, port: port, server: server)
    }

    func url(path: String = "/socket.io/") -> String {
        "ws://127.0.0.1:\(port)\(path)?EIO=4&transport=websocket"
    }

    /// A WebSocket that has received the Engine.IO open packet, not yet CONNECTed.
    func socket(path: String = "/socket.io/", answerPings: Bool = true) async throws -> SocketIOTestClient {
        let client = try await SocketIOTestClient.open(url: url(path: path), answerPings: answerPings)
        clients.withLock { $0.append(client) }
        return client
    }

    /// A socket that completed the Socket.IO CONNECT with `auth`.
    func client(auth: JSONValue? = nil, path: String = "/socket.io/") async throws -> SocketIOTestClient {
        let client = try await socket(path: path)
        _ = try await client.connectOK(auth: auth)
        return client
    }

    func stop() async {
        for client in clients.withLock({ $0 }) { client.close() }
        server.cancel()
        _ = try? await server.value
    }
}

/// Runs `body` against a fresh edge and always stops it afterwards. `exclusive` tests
/// (tight timing, heavy traffic) run while no other edge test does.
func withEdge(
    exclusive: Bool = false,
    _ configure: (inout EdgeConfiguration) -> Void = { _ in },
    _ body: (TestEdge) async throws -> Void
) async throws {
    await EdgeTestGate.shared.acquire(exclusive: exclusive)
    let edge: TestEdge
    do {
        edge = try await TestEdge.start(configure)
    } catch {
        await EdgeTestGate.shared.release(exclusive: exclusive)
        throw error
    }
    do {
        try await body(edge)
    } catch {
        await edge.stop()
        await EdgeTestGate.shared.release(exclusive: exclusive)
        throw error
    }
    await edge.stop()
    await EdgeTestGate.shared.release(exclusive: exclusive)
}
