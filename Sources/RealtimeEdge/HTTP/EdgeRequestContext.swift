import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Request context carrying the peer address (for X-Forwarded-For and rate limits)
/// and the WebSocket upgrade slot.
public struct EdgeRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<EdgeRequestContext>
    public let remoteAddress: SocketAddress?
    /// The connection's NIO channel: after a WebSocket upgrade, sessions write frames
    /// to it directly (see OutboundQueue).
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.remoteAddress = source.channel.remoteAddress
        self.channel = source.channel
    }

    /// Server API bodies are small JSON documents.
    public var maxUploadSize: Int { 256 * 1024 }
}
