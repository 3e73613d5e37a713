import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1
import NIOWebSocket

/// Switches a kept-alive HTTP connection to a WebSocket session on a request after
/// its first (NIO's upgrader only looks at the first one).
///
/// The pipeline then is: request decoder, response encoder, HTTPConnectionGuard,
/// the HTTP/1-to-HTTPTypes codec, Hummingbird's connection state handler, and at the
/// tail the async channel whose task serves requests. The WebSocket handlers go in
/// right after the guard, the HTTP handlers in front of them are removed, and the
/// async channel stays at the tail, never read: its task waits for a request that
/// never comes and ends when the socket closes. The decoder is removed last so the
/// bytes it holds past the request (frames a client sent without waiting for the
/// 101) reach the WebSocket decoder.
enum LateUpgrade {
    static func switchToWebSocket(
        context: ChannelHandlerContext, guard connectionGuard: HTTPConnectionGuard, head: HTTPRequestHead, node: EdgeNode
    ) {
        let channel = context.channel
        // Only its key and version checks are used: the answer's Sec-WebSocket-Accept.
        let handshake = NIOTypedWebSocketServerUpgrader<Void>(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
        let accepted = handshake.buildUpgradeResponse(
            channel: channel, upgradeRequest: head,
            initialResponseHeaders: HTTPHeaders([("Connection", "Upgrade"), ("Upgrade", "websocket")]))
        accepted.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let headers):
                context.writeAndFlush(
                    NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))),
                    promise: nil)
                do {
                    try rebuildPipeline(channel: channel, guard: connectionGuard, head: head, node: node)
                } catch {
                    node.logger.debug("late upgrade failed", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                }
            case .failure:
                // A missing key or an unsupported WebSocket version.
                let body = ByteBuffer(bytes: UpgradeRefusal.transportNotSupported.body)
                var response = HTTPResponseHead(version: .http1_1, status: .badRequest)
                response.headers.add(name: "Connection", value: "close")
                response.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
                response.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
                context.write(NIOAny(HTTPServerResponsePart.head(response)), promise: nil)
                context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(body))), promise: nil)
                context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).assumeIsolated().whenComplete { _ in
                    channel.close(promise: nil)
                }
            }
        }
    }

    private static func rebuildPipeline(
        channel: any Channel, guard connectionGuard: HTTPConnectionGuard, head: HTTPRequestHead, node: EdgeNode
    ) throws {
        let sync = channel.pipeline.syncOperations
        let protocolErrors = WebSocketProtocolErrorHandler()
        try sync.addHandlers(
            [
                WebSocketFrameEncoder(), ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: node.configuration.maxPayload)),
                protocolErrors,
            ],
            position: .after(connectionGuard))
        try node.openSession(on: channel, forwardedFor: head.headers.first(name: "X-Forwarded-For"), after: protocolErrors)
        let decoder = try sync.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
        let httpHandlers: [any RemovableChannelHandler] = [
            try sync.handler(type: HTTPConnectionStateHandler.self),
            try sync.handler(type: HTTP1ToHTTPServerCodec.self),
            try sync.handler(type: HTTPResponseEncoder.self),
            connectionGuard,
            decoder,
        ]
        for handler in httpHandlers {
            sync.removeHandler(handler, promise: nil)
        }
    }
}
