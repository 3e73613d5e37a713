import Hummingbird
import NIOCore
import NIOWebSocket

/// The Socket.IO endpoints: the WebSocket transport on `/realtime/` and `/socket.io/`
/// (upgraded by EdgeChildChannel); a long-polling (non-upgrade) request gets a clear 400.
extension EdgeNode {
    /// Turns an upgraded socket into a client session. On the channel's event loop,
    /// with NIO's WebSocket frame encoder and decoder in place. The session's handler
    /// goes last, or right after `handler` when the pipeline has more behind it.
    func openSession(on channel: any Channel, forwardedFor: String?, after handler: (any ChannelHandler)? = nil) throws {
        let position: ChannelPipeline.SynchronousOperations.Position = handler.map { .after($0) } ?? .last
        let sync = channel.pipeline.syncOperations
        // Over the admission limits the socket is closed at once with 1013 "Try Again
        // Later" (RFC 6455 §7.4.2), which says more to a client than a refused upgrade.
        if let refusal = admission.check() {
            logger.debug("connection refused", metadata: ["reason": "\(refusal.message)"])
            try sync.addHandler(WebSocketSessionHandler(session: nil, maxMessageSize: configuration.maxPayload), position: position)
            channel.triggerUserOutboundEvent(WebSocketGoodbye(code: .unknown(1013), reason: refusal.closeReason), promise: nil)
            return
        }
        let address = ClientAddress.resolve(
            peer: channel.remoteAddress, forwardedFor: forwardedFor, trustedProxies: configuration.trustedProxies)
        let session = ClientSession(services: sessionServices, clientAddress: address, socket: channel)
        try sync.addHandler(WebSocketSessionHandler(session: session, maxMessageSize: configuration.maxPayload), position: position)
        admission.opened()  // closed() once the session has cleaned up, after its `.ended`
        session.start()
    }

    func addPollingRefusal(to router: Router<EdgeRequestContext>) {
        for path in EdgeChildChannel.socketPaths {
            router.get(RouterPath(String(path))) { _, _ in Self.pollingRefused }
            router.post(RouterPath(String(path))) { _, _ in Self.pollingRefused }
        }
    }

    static var pollingRefused: Response {
        JSONResponse.error(
            .badRequest, code: "transport_not_supported",
            message: "only the websocket transport is supported: connect with transports: [\"websocket\"] (EIO=4&transport=websocket)")
    }
}
