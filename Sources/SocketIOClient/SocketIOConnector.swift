import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import SocketIOProtocol

/// Opens Socket.IO connections: TCP (optionally from a chosen source address),
/// the HTTP/1.1 upgrade, Engine.IO open, Socket.IO CONNECT.
public struct SocketIOConnector: Sendable {
    public let endpoint: SocketIOEndpoint
    public var connectTimeout: TimeAmount = .seconds(10)
    public var maxFrameSize = 1 << 20

    public init(endpoint: SocketIOEndpoint) {
        self.endpoint = endpoint
    }

    /// `makeReceiver` runs on the connection's event loop before any event arrives.
    public func connect(
        on loop: any EventLoop,
        from source: SocketAddress? = nil,
        auth: JSONValue? = nil,
        makeReceiver: @escaping @Sendable () -> (any SocketEventReceiver)? = { nil }
    ) async throws -> SocketIOConnection {
        let endpoint = self.endpoint
        let maxFrameSize = self.maxFrameSize
        let connected = loop.makePromise(of: ConnectReply.self)
        let handlerPromise = loop.makePromise(of: NIOLoopBound<SocketIOClientHandler>.self)
        let seed = UInt64.random(in: 1...UInt64.max)
        let upgradeName = "socketio-upgrade-request"

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
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes, withClientUpgrade: config)
                    try channel.pipeline.syncOperations.addHandler(UpgradeRequestHandler(endpoint: endpoint), name: upgradeName)
                }
            }
        if let source {
            bootstrap = bootstrap.bind(to: source)
        }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            connected.fail(error)
            handlerPromise.fail(error)
            throw error
        }
        channel.closeFuture.whenComplete { _ in
            connected.fail(SocketIOClientError("connection closed during the handshake"))
            handlerPromise.fail(SocketIOClientError("connection closed during the upgrade"))
        }
        let timeout = loop.scheduleTask(in: connectTimeout) {
            connected.fail(SocketIOClientError("handshake timed out"))
            channel.close(promise: nil)
        }
        defer { timeout.cancel() }
        let reply = try await connected.futureResult.get()
        let handler = try await handlerPromise.futureResult.get()
        return SocketIOConnection(channel: channel, sid: reply.sid, pid: reply.pid, endpoint: endpoint, handler: handler)
    }
}
