import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOWebSocket
import SocketIOProtocol

/// The edge's connection setup on the HTTP/1 listener. A plain request goes to the
/// Hummingbird router; a WebSocket upgrade on a Socket.IO path hands the socket to
/// NIO handlers (WebSocketSessionHandler) and this connection's task returns at
/// once. An idle client then costs no task and no task stack, where
/// hummingbird-websocket keeps one suspended task per connection for its life.
struct EdgeChildChannel: ServerChildChannel, HTTPChannelHandler {
    enum Negotiated: Sendable {
        /// The WebSocket runs on NIO handlers; nothing left for the task to do.
        case webSocket
        case http(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        /// An upgrade request we declined (wrong path or query, draining edge).
        case declinedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, UpgradeRefusal)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let node: EdgeNode
    let responder: Responder

    init(node: EdgeNode, responder: @escaping Responder) {
        self.node = node
        self.responder = Self.refusingLateUpgrades(responder, node: node)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Each socket keeps its last receive buffer for the next read. Most sockets
            // are idle WebSockets whose reads are pings and small events: start at
            // 512 bytes instead of NIO's 2 KiB (it still grows for larger reads).
            try channel.syncOptions?.setOption(.recvAllocator, value: Self.receiveBuffers)
            let refusal = NIOLoopBoundBox(UpgradeRefusal?.none, eventLoop: channel.eventLoop)
            let node = self.node
            let connectionGuard = HTTPConnectionGuard(
                node: node,
                timeouts: .init(
                    requestHead: .init(node.configuration.requestTimeout), idle: .init(node.configuration.keepAliveTimeout)))
            let guardOnLoop = NIOLoopBound(connectionGuard, eventLoop: channel.eventLoop)
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: node.configuration.maxPayload,
                shouldUpgrade: { channel, head in
                    refusal.value = UpgradeRefusal.check(uri: head.uri, draining: node.isDraining)
                    return channel.eventLoop.makeSucceededFuture(refusal.value == nil ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        // Before the upgrade handler replays what it buffered, which is
                        // WebSocket frames now, not HTTP parts for the guard.
                        channel.pipeline.syncOperations.removeHandler(guardOnLoop.value, promise: nil)
                        try node.openSession(on: channel, forwardedFor: head.headers.first(name: "X-Forwarded-For"))
                        return Negotiated.webSocket
                    }
                })
            let upgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(HTTP1ToHTTPServerCodec(secure: false))
                        try sync.addHandler(HTTPConnectionStateHandler(logger: logger))
                        let http = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel,
                            configuration: .init(isOutboundHalfClosureEnabled: true))
                        return refusal.value.map { .declinedUpgrade(http, $0) } ?? .http(http)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgrade)
            pipeline.enablePipelining = false  // NIOAsyncChannel serves requests in order
            pipeline.enableErrorHandling = false  // Hummingbird answers malformed requests
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validated them already
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            // Last, so behind NIO's upgrade handler: it sees every request head, the first included.
            try channel.pipeline.syncOperations.addHandler(connectionGuard)
            return Value(negotiated: negotiated, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.negotiated.get() {
            case .webSocket:
                return
            case .http(let http):
                await handleHTTP(asyncChannel: http, logger: logger)
            case .declinedUpgrade(let http, let refusal):
                await Self.refuseUpgrade(http, refusal)
            }
        } catch {
            logger.debug("connection setup failed", metadata: ["error": "\(error)"])
        }
    }

    static let receiveBuffers = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536)

    static let socketPaths: Set<Substring> = ["/realtime", "/socket.io"]

    /// `/socket.io/?EIO=4&transport=websocket` and `/realtime` (trailing slash and query optional).
    static func isSocketPath(_ uri: String) -> Bool {
        var path = uri.prefix { $0 != "?" }
        if path.count > 1, path.hasSuffix("/") { path = path.dropLast() }
        return socketPaths.contains(path)
    }

    /// A declined upgrade is answered and the connection closes: 503 from a draining
    /// edge, which a load balancer retries on another edge (HAProxy's `retry-on 503`)
    /// so the client's reconnect lands at once; 400 for a query this server does not
    /// speak; 404 for a path that is not a socket.
    private static func refuseUpgrade(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ refusal: UpgradeRefusal) async {
        try? await http.executeThenClose { _, outbound in
            try await outbound.write(contentsOf: refusalResponse(refusal))
        }
    }

    private static func refusalResponse(_ refusal: UpgradeRefusal) -> [HTTPResponsePart] {
        let body = ByteBuffer(bytes: refusal.body)
        let head = HTTPResponse(
            status: refusal.status,
            headerFields: [
                .connection: "close", .contentType: "application/json; charset=utf-8", .contentLength: "\(body.readableBytes)",
            ])
        return [.head(head), .body(body), .end(nil)]
    }

    /// An upgrade that reaches the router on a later request of a kept-alive
    /// connection is one HTTPConnectionGuard did not switch: it is refused with the
    /// reason and the connection closes (the request decoder stops after an upgrade
    /// request, so nothing more could be read from it).
    private static func refusingLateUpgrades(_ responder: @escaping Responder, node: EdgeNode) -> Responder {
        struct ClosingAfterRefusal: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                return try await responder(request, writer, channel)
            }
            var uri = request.uri.path
            if let query = request.uri.query { uri += "?\(query)" }
            let refusal = UpgradeRefusal.check(uri: uri, draining: node.isDraining) ?? .pipelined
            let body = ByteBuffer(bytes: refusal.body)
            try await writer.write(
                response: HTTPResponse(
                    status: refusal.status,
                    headerFields: [
                        .connection: "close", .contentType: "application/json; charset=utf-8", .contentLength: "\(body.readableBytes)",
                    ]),
                body: ResponseBody(byteBuffer: body))
            throw ClosingAfterRefusal()
        }
    }
}
