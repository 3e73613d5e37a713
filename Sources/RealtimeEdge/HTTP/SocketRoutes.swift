import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The Socket.IO endpoints: WebSocket transport on `/realtime/` and `/socket.io/`;
/// a long-polling (non-upgrade) request gets a clear 400.
extension EdgeNode {
    static let socketPaths: [RouterPath] = ["/realtime", "/socket.io"]

    /// Consulted only for upgrade requests.
    func makeWebSocketRouter() -> Router<EdgeRequestContext> {
        let router = Router(context: EdgeRequestContext.self)
        for path in Self.socketPaths {
            router.ws(path, shouldUpgrade: { _, _ in
                // A draining edge refuses upgrades so the load balancer's retry lands elsewhere.
                self.isDraining ? .dontUpgrade : .upgrade([:])
            }, onUpgrade: { inbound, outbound, context in
                // Over the admission limits the socket is closed at once with 1013 "Try
                // Again Later" (RFC 6455 §7.4.2): hummingbird-websocket can only answer
                // a declined upgrade with an empty 400, which says nothing to a client.
                if let refusal = self.admission.check() {
                    self.logger.debug("connection refused", metadata: ["reason": "\(refusal.message)"])
                    try? await outbound.close(.unknown(1013), reason: refusal.closeReason)
                    return
                }
                self.admission.opened()
                defer { self.admission.closed() }
                let address = ClientAddress.resolve(
                    peer: context.requestContext.remoteAddress,
                    headers: context.request.headers,
                    trustedProxies: self.configuration.trustedProxies)
                let session = ClientSession(node: self, clientAddress: address, channel: context.requestContext.channel)
                await session.run(inbound: inbound, outbound: outbound)
            })
        }
        return router
    }

    func addPollingRefusal(to router: Router<EdgeRequestContext>) {
        for path in Self.socketPaths {
            router.get(path) { _, _ in Self.pollingRefused }
            router.post(path) { _, _ in Self.pollingRefused }
        }
    }

    static var pollingRefused: Response {
        JSONResponse.error(
            .badRequest, code: "transport_not_supported",
            message: "only the websocket transport is supported: connect with transports: [\"websocket\"] (EIO=4&transport=websocket)")
    }
}
