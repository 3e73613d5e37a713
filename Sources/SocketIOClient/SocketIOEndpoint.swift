/// Where a Socket.IO server listens: host, port and the Engine.IO path.
public struct SocketIOEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The Socket.IO path, e.g. `/realtime/`; always ends with `/`.
    public var path: String

    public init(host: String, port: Int, path: String = "/realtime/") {
        self.host = host
        self.port = port
        self.path = path.hasSuffix("/") ? path : path + "/"
    }

    /// Parses `ws://host[:port][/path]` or `http://…` (same thing: the WebSocket
    /// transport is reached through the HTTP port). The path defaults to
    /// `defaultPath`; a query string is ignored. `wss://`/`https://` are refused:
    /// terminate TLS at the load balancer or a sidecar.
    public init(url: String, defaultPath: String = "/realtime/") throws(SocketIOClientError) {
        let schemes = ["ws://": 80, "http://": 80]
        guard let (scheme, defaultPort) = schemes.first(where: { url.lowercased().hasPrefix($0.key) }) else {
            if url.lowercased().hasPrefix("wss://") || url.lowercased().hasPrefix("https://") {
                throw SocketIOClientError(
                    "TLS URLs are not supported by this client yet: use ws:// behind a TLS-terminating proxy (got \(url))")
            }
            throw SocketIOClientError("the URL must start with ws:// or http:// (got \(url))")
        }
        var rest = Substring(url.dropFirst(scheme.count))
        var path = defaultPath
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) {
            let tail = rest[slash...]
            rest = rest[..<slash]
            let withoutQuery = tail.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            if !withoutQuery.isEmpty, withoutQuery != "/" { path = String(withoutQuery) }
        }
        var host = String(rest)
        var port = defaultPort
        if host.hasPrefix("[") {
            // [IPv6]:port
            guard let close = host.firstIndex(of: "]") else { throw SocketIOClientError("malformed IPv6 host in \(url)") }
            let after = host[host.index(after: close)...]
            if after.hasPrefix(":") {
                guard let p = Int(after.dropFirst()), (1...65535).contains(p) else { throw SocketIOClientError("bad port in \(url)") }
                port = p
            }
            host = String(host[host.index(after: host.startIndex)..<close])
        } else if let colon = host.lastIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]), (1...65535).contains(p) else {
                throw SocketIOClientError("bad port in \(url)")
            }
            port = p
            host = String(host[..<colon])
        }
        guard !host.isEmpty else { throw SocketIOClientError("no host in \(url)") }
        self.init(host: host == "localhost" ? "127.0.0.1" : host, port: port, path: path)
    }

    /// The WebSocket request URI of an Engine.IO 4 connection.
    public var requestURI: String { path + "?EIO=4&transport=websocket" }

    var hostHeader: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public var description: String { "ws://\(hostHeader)\(path)" }
}
