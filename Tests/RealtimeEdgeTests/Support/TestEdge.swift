import EdgeTestSupport
import Foundation
import Hummingbird
import Logging
import RealtimeCore
import RealtimeEdge
import RealtimeTestSupport
import SocketIOProtocol
import Synchronization

/// An in-process edge (memory backend) plus the test clients opened against it.
final class TestEdge: Sendable {
    let edge: InProcessEdge
    private let clients = Mutex<[SocketIOTestClient]>([])

    static let masterKey = "master-key-for-tests"
    static let jwtSecret = "jwt-secret-for-edge-tests-0123456789"

    /// For the test WebSocket clients: quiet unless something is badly wrong.
    static var logger: Logger {
        var logger = Logger(label: "RealtimeEdgeTests")
        logger.logLevel = .critical
        return logger
    }

    var node: EdgeNode { edge.node }
    var port: Int { edge.port }

    private init(edge: InProcessEdge) {
        self.edge = edge
    }

    static func start(_ configure: (inout EdgeConfiguration) -> Void = { _ in }) async throws -> TestEdge {
        var configuration = EdgeConfiguration(
            nodeId: "edge-test-" + RandomID.make(length: 6), masterKey: masterKey, jwtSecret: jwtSecret)
        configure(&configuration)
        return TestEdge(edge: try await InProcessEdge.start(configuration, logLabel: "RealtimeEdgeTests"))
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
        await edge.stop()
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
