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
        /// An upgrade request we declined (wrong path, draining edge).
        case declinedUpgrade(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
    }

    struct Value: ServerChildChannelValue {
        let negotiated: EventLoopFuture<Negotiated>
        let channel: any Channel
    }

    let node: EdgeNode
    let responder: Responder

    init(node: EdgeNode, responder: @escaping Responder) {
        self.node = node
        self.responder = Self.redirectingLateUpgrades(responder)
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            // Each socket keeps its last receive buffer for the next read. Most sockets
            // are idle WebSockets whose reads are pings and small events: start at
            // 512 bytes instead of NIO's 2 KiB (it still grows for larger reads).
            try channel.syncOptions?.setOption(.recvAllocator, value: Self.receiveBuffers)
            let upgradeAttempted = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
            let node = self.node
            let upgrader = NIOTypedWebSocketServerUpgrader<Negotiated>(
                maxFrameSize: node.configuration.maxPayload,
                shouldUpgrade: { channel, head in
                    upgradeAttempted.value = true
                    // A draining edge declines so the load balancer's retry lands elsewhere.
                    let accept = Self.isSocketPath(head.uri) && !node.isDraining
                    return channel.eventLoop.makeSucceededFuture(accept ? HTTPHeaders() : nil)
                },
                upgradePipelineHandler: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
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
                        return upgradeAttempted.value ? .declinedUpgrade(http) : .http(http)
                    }
                })
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<Negotiated>(upgradeConfiguration: upgrade)
            pipeline.enablePipelining = false  // NIOAsyncChannel serves requests in order
            pipeline.enableErrorHandling = false  // Hummingbird answers malformed requests
            pipeline.enableResponseHeaderValidation = false  // HTTPTypes validated them already
            let negotiated = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
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
            case .declinedUpgrade(let http):
                await Self.refuseUpgrade(http, draining: node.isDraining)
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
    /// so the client's reconnect lands at once; 404 for a path that is not a socket.
    private static func refuseUpgrade(_ http: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, draining: Bool) async {
        let (status, code, message): (HTTPResponse.Status, String, String) = draining
            ? (.serviceUnavailable, "service_unavailable", "this edge is shutting down; reconnect to another edge")
            : (.notFound, "not_found", "WebSocket upgrades are served on /realtime/ and /socket.io/ only")
        let body = ByteBuffer(bytes: JSONValue.object([
            "errors": .array([.object(["code": .string(code), "message": .string(message)])]),
        ]).serialized)
        try? await http.executeThenClose { _, outbound in
            let head = HTTPResponse(status: status, headerFields: [
                .connection: "close", .contentType: "application/json; charset=utf-8", .contentLength: "\(body.readableBytes)",
            ])
            try await outbound.write(contentsOf: [.head(head), .body(body), .end(nil)])
        }
    }

    /// NIO can only upgrade a connection's first request. A WebSocket upgrade arriving
    /// later on a kept-alive connection is redirected to the same URI with the
    /// connection closed, so the client retries the upgrade on a fresh one.
    private static func redirectingLateUpgrades(_ responder: @escaping Responder) -> Responder {
        struct ClosingAfterRedirect: Error {}
        return { request, writer, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                return try await responder(request, writer, channel)
            }
            var location = request.uri.path
            if let query = request.uri.query { location += "?\(query)" }
            try await writer.writeResponse(HTTPResponse(
                status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw ClosingAfterRedirect()
        }
    }
}
