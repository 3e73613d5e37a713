/// One edge to drive: where to connect and what to ask for.
public struct BenchTarget: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    /// The Socket.IO path, e.g. `/realtime/`.
    public var path: String

    /// Parses `ws://host:port[/path]`; the path defaults to `/realtime/`.
    /// Only loopback hosts are accepted: the bench never sends traffic elsewhere.
    public init(url: String) throws(BenchError) {
        guard url.hasPrefix("ws://") else { throw BenchError("--url must start with ws:// (got \(url))") }
        var rest = Substring(url.dropFirst("ws://".count))
        var path = "/realtime/"
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
        if !path.hasSuffix("/") { path += "/" }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
            throw BenchError("--url needs an explicit port: \(url)")
        }
        let host = String(rest[..<colon])
        guard host == "localhost" || host.hasPrefix("127.") else {
            throw BenchError("the bench only drives loopback edges (127.0.0.0/8 or localhost); got \(host)")
        }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
        self.path = path
    }

    /// The WebSocket request URI of an Engine.IO 4 connection.
    var requestURI: String { path + "?EIO=4&transport=websocket" }

    public var description: String { "ws://\(host):\(port)\(path)" }
}

/// A failure of the bench itself (bad options, an edge that refuses), one line for the user.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
