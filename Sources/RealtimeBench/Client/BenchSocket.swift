import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SocketIOProtocol

/// One connected Socket.IO client (after the CONNECT reply). Thread-safe: every
/// operation hops to the connection's event loop.
final class BenchSocket: Sendable {
    let channel: any Channel
    /// The Socket.IO socket id: the member id others see in presence.
    let sid: String
    let target: BenchTarget
    private let handler: NIOLoopBound<SocketIOClientHandler>

    fileprivate init(channel: any Channel, sid: String, target: BenchTarget, handler: NIOLoopBound<SocketIOClientHandler>) {
        self.channel = channel
        self.sid = sid
        self.target = target
        self.handler = handler
    }

    var eventLoop: any EventLoop { channel.eventLoop }

    /// Runs `body` with the handler on the connection's event loop.
    func execute(_ body: @escaping @Sendable (SocketIOClientHandler) -> Void) {
        let handler = self.handler
        channel.eventLoop.execute { body(handler.value) }
    }

    /// Sends an event with an ack and returns the ack's first argument, parsed.
    func request(_ event: String, _ payload: JSONValue) async throws -> JSONValue {
        let handler = self.handler
        let raw = try await channel.eventLoop.flatSubmit { handler.value.request(event, payload) }.get()
        guard case .array(let args) = try JSONValue.parse(raw.readableBytesView) else {
            throw BenchError("malformed ack for \(event)")
        }
        return args.first ?? .null
    }

    /// Sends an event with an ack and fails unless the ack is `{ok: true}`.
    func requestOK(_ event: String, _ payload: JSONValue) async throws {
        let reply = try await request(event, payload)
        guard reply["ok"]?.boolValue == true else {
            throw BenchError("\(event) failed: \(reply)")
        }
    }

    var isActive: Bool { channel.isActive }

    func close() {
        execute { $0.close() }
    }

    /// Closes and waits (bounded) for the TCP connection to end.
    func closeAndWait() async {
        close()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(2)) { [channel] in channel.close(promise: nil) }
        try? await channel.closeFuture.get()
        timeout.cancel()
    }
}

/// Opens Socket.IO connections: TCP (optionally from a chosen source address),
/// the HTTP/1.1 upgrade, Engine.IO open, Socket.IO CONNECT.
struct BenchConnector: Sendable {
    let target: BenchTarget
    var connectTimeout: TimeAmount = .seconds(10)
    var maxFrameSize = 1 << 20

    /// `makeReceiver` runs on the connection's event loop before any event arrives.
    func connect(
        on loop: any EventLoop,
        from source: SocketAddress? = nil,
        auth: JSONValue? = nil,
        makeReceiver: @escaping @Sendable () -> (any SocketEventReceiver)? = { nil }
    ) async throws -> BenchSocket {
        let target = self.target
        let maxFrameSize = self.maxFrameSize
        let connected = loop.makePromise(of: String.self)
        let handlerPromise = loop.makePromise(of: NIOLoopBound<SocketIOClientHandler>.self)
        let seed = UInt64.random(in: 1...UInt64.max)
        let upgradeName = "bench-upgrade-request"

        var bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize, automaticErrorHandling: true) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let handler = SocketIOClientHandler(auth: auth, connected: connected, receiver: makeReceiver(), seed: seed)
                        try channel.pipeline.syncOperations.addHandler(handler)
                        handlerPromise.succeed(NIOLoopBound(handler, eventLoop: channel.eventLoop))
                    }
                }
                let config: NIOHTTPClientUpgradeConfiguration = (
                    upgraders: [upgrader],
                    completionHandler: { context in
                        context.pipeline.removeHandler(name: upgradeName, promise: nil)
                    })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(leftOverBytesStrategy: .forwardBytes, withClientUpgrade: config)
                    try channel.pipeline.syncOperations.addHandler(UpgradeRequestHandler(target: target), name: upgradeName)
                }
            }
        if let source {
            bootstrap = bootstrap.bind(to: source)
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: target.host, port: target.port).get()
        } catch {
            connected.fail(error)
            handlerPromise.fail(error)
            throw error
        }
        channel.closeFuture.whenComplete { _ in
            connected.fail(BenchError("connection closed during the handshake"))
            handlerPromise.fail(BenchError("connection closed during the upgrade"))
        }
        let timeout = loop.scheduleTask(in: connectTimeout) {
            connected.fail(BenchError("handshake timed out"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let sid = try await connected.futureResult.get()
        let handler = try await handlerPromise.futureResult.get()
        return BenchSocket(channel: channel, sid: sid, target: target, handler: handler)
    }
}

/// Sends the upgrade request once the TCP connection is up; removed after the upgrade.
private final class UpgradeRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let target: BenchTarget

    init(target: BenchTarget) { self.target = target }

    func channelActive(context: ChannelHandlerContext) {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: target.requestURI)
        head.headers.add(name: "Host", value: "\(target.host):\(target.port)")
        head.headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // A response reaching this handler means the server did not upgrade.
        if case .head(let head) = unwrapInboundIn(data) {
            context.fireErrorCaught(BenchError("upgrade refused: HTTP \(head.status.code)"))
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
