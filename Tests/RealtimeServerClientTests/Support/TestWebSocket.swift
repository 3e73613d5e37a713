import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import RealtimeTestSupport
import Synchronization

/// A bare WebSocket client on SwiftNIO for tests: sends text frames and keeps every
/// text frame received until a test takes it. Loopback only.
final class TestWebSocket: Sendable {
    private enum Upgrade: Sendable {
        case websocket(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>)
        case refused
    }

    private let outbox: AsyncStream<String>.Continuation
    private let inbox = Mutex<[String]>([])
    private let ended = Atomic<Bool>(false)
    /// Called for each received frame; answers it when it returns a reply.
    private let autoReply: @Sendable (String) -> String?

    private init(outbox: AsyncStream<String>.Continuation, autoReply: @escaping @Sendable (String) -> String?) {
        self.outbox = outbox
        self.autoReply = autoReply
    }

    static func connect(
        port: Int, path: String, autoReply: @escaping @Sendable (String) -> String? = { _ in nil }
    ) async throws -> TestWebSocket {
        let upgrade = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<Upgrade>(maxFrameSize: 1 << 22) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            .websocket(try NIOAsyncChannel(wrappingChannelSynchronously: channel))
                        }
                    }
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "127.0.0.1:\(port)")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<Upgrade>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(.refused) })
                    var pipeline = NIOUpgradableHTTPClientPipelineConfiguration(upgradeConfiguration: configuration)
                    // The server's first frame may share a read with the 101: keep it.
                    pipeline.leftOverBytesStrategy = .forwardBytes
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(configuration: pipeline)
                }
            }
        guard case .websocket(let channel) = try await upgrade.get() else {
            throw TestTimeout(what: "a WebSocket upgrade of \(path) (refused)")
        }
        let (outgoing, outbox) = AsyncStream<String>.makeStream()
        let socket = TestWebSocket(outbox: outbox, autoReply: autoReply)
        Task { await socket.run(channel, outgoing: outgoing) }
        return socket
    }

    private func run(_ channel: NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, outgoing: AsyncStream<String>) async {
        try? await channel.executeThenClose { inbound, outbound in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await frame in inbound {
                        guard frame.opcode == .text, frame.fin else {
                            if frame.opcode == .connectionClose { return }
                            continue
                        }
                        let text = String(buffer: frame.unmaskedData)
                        if let reply = self.autoReply(text) { self.send(reply) }
                        self.inbox.withLock { $0.append(text) }
                    }
                }
                group.addTask {
                    for await text in outgoing {
                        try await outbound.write(Self.maskedFrame(.text, ByteBuffer(string: text)))
                    }
                    try await outbound.write(Self.maskedFrame(.connectionClose, ByteBuffer(bytes: [0x03, 0xE8])))
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }
        ended.store(true, ordering: .relaxed)
    }

    /// Client frames must be masked (RFC 6455 §5.3).
    private static func maskedFrame(_ opcode: WebSocketOpcode, _ data: ByteBuffer) -> WebSocketFrame {
        WebSocketFrame(fin: true, opcode: opcode, maskKey: .random(), data: data)
    }

    func send(_ text: String) { outbox.yield(text) }

    func close() { outbox.finish() }

    var isEnded: Bool { ended.load(ordering: .relaxed) }

    /// Frames received and not taken yet.
    var unread: [String] { inbox.withLock { $0 } }

    /// Takes the first received frame that matches, waiting up to `limit` for it.
    func take(_ what: String, within limit: Duration = .seconds(5), where matches: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + limit
        while true {
            let found = inbox.withLock { frames -> String? in
                guard let index = frames.firstIndex(where: matches) else { return nil }
                return frames.remove(at: index)
            }
            if let found { return found }
            if isEnded || ContinuousClock.now >= deadline {
                throw TestTimeout(what: "\(what)\(isEnded ? " (the socket closed)" : ""); unread: \(unread.prefix(5))")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
