import Hummingbird
import NIOCore

/// Request context carrying the peer address (for X-Forwarded-For and rate limits).
public struct EdgeRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
    }

    /// Server API bodies are small JSON documents.
    public var maxUploadSize: Int { 256 * 1024 }
}
