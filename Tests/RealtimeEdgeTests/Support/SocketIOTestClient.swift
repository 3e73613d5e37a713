import HummingbirdWSClient
import Logging
import NIOCore
import RealtimeTestSupport
import SocketIOProtocol
import Synchronization

/// A minimal Socket.IO v4 client over one WebSocket, speaking Engine.IO 4 text frames,
/// written for tests: every frame received is kept in an inbox for assertions.
final class SocketIOTestClient: Sendable {
    enum Outgoing: Sendable {
        case text(String)
        case binary([UInt8])
        case close
    }

    let inbox = Inbox()
    /// The Engine.IO open packet the server sent first.
    let openPacket = Mutex<EngineIOOpen?>(nil)
    /// The socket id from the CONNECT reply.
    let sid = Mutex<String?>(nil)
    private let outbox: AsyncStream<Outgoing>.Continuation
    private let paused = Atomic<Bool>(false)
    private let answerPings: Bool
    private let ackIds = Atomic<Int>(0)

    private init(outbox: AsyncStream<Outgoing>.Continuation, answerPings: Bool) {
        self.outbox = outbox
        self.answerPings = answerPings
    }

    /// Connects the WebSocket and waits for the Engine.IO open packet.
    static func open(url: String, answerPings: Bool = true) async throws -> SocketIOTestClient {
        let (outgoing, sink) = AsyncStream<Outgoing>.makeStream()
        let client = SocketIOTestClient(outbox: sink, answerPings: answerPings)
        Task { await client.run(url: url, outgoing: outgoing) }
        let frame = try await client.nextFrame("the Engine.IO open packet") { $0.hasPrefix("0") }
        guard case .open(let open) = try EngineIOCodec.decode(Array(frame.utf8)) else {
            throw TestTimeout(what: "an open packet, got \(frame)")
        }
        client.openPacket.withLock { $0 = open }
        return client
    }

    private func run(url: String, outgoing: AsyncStream<Outgoing>) async {
        let configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 22)
        do {
            try await WebSocketClient.connect(url: url, configuration: configuration, logger: TestEdge.logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.readLoop(inbound) }
                    group.addTask {
                        for await item in outgoing {
                            switch item {
                            case .text(let text): try await outbound.write(.text(text))
                            case .binary(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .close: return
                            }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
            inbox.end()
        } catch {
            inbox.end(failure: "\(error)")
        }
    }

    private func readLoop(_ inbound: WebSocketInboundStream) async throws {
        var messages = inbound.messages(maxSize: 1 << 22).makeAsyncIterator()
        while true {
            while paused.load(ordering: .relaxed) {
                try await Task.sleep(for: .milliseconds(5))
            }
            guard let message = try await messages.next() else { break }
            guard case .text(let text) = message else { continue }
            if text == "2", answerPings { outbox.yield(.text("3")) }
            inbox.append(text)
        }
        inbox.end()
    }

    // MARK: - Raw frames

    func send(_ text: String) { outbox.yield(.text(text)) }
    func sendBinary(_ bytes: [UInt8]) { outbox.yield(.binary(bytes)) }
    func send(_ packet: SocketIOPacket) { send(String(decoding: EngineIOCodec.encodeMessage(packet), as: UTF8.self)) }

    /// Ends the WebSocket from the client side.
    func close() {
        outbox.yield(.close)
        outbox.finish()
    }

    /// Stops reading from the socket (the server's writes back up), or resumes.
    func pauseReading(_ pause: Bool) { paused.store(pause, ordering: .relaxed) }

    var isClosed: Bool { inbox.isEnded }

    func waitUntilClosed(within limit: Duration = .seconds(5)) async -> Bool {
        await eventually(within: limit) { inbox.isEnded }
    }

    /// Takes the first received frame that matches, waiting for it.
    func nextFrame(_ what: String, within limit: Duration = .seconds(5), _ matches: @escaping @Sendable (String) -> Bool) async throws
        -> String
    {
        let deadline = ContinuousClock.now + limit
        while true {
            if let frame = inbox.take(where: matches) { return frame }
            if inbox.isEnded {
                throw TestTimeout(what: "\(what) (the connection ended: \(inbox.failure ?? "closed"); unread: \(inbox.pending.prefix(5)))")
            }
            if ContinuousClock.now >= deadline {
                throw TestTimeout(what: "\(what) (unread: \(inbox.pending.prefix(5).map { $0.prefix(200) }))")
            }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Takes the first received Socket.IO packet that matches, waiting for it.
    func nextPacket(_ what: String, within limit: Duration = .seconds(5), _ matches: @escaping @Sendable (SocketIOPacket) -> Bool)
        async throws -> SocketIOPacket
    {
        let frame = try await nextFrame(what, within: limit) { frame in frame.socketIOPacket.map(matches) ?? false }
        return frame.socketIOPacket!
    }

    func makeAckId() -> Int { ackIds.add(1, ordering: .relaxed).newValue }
}
