import SocketIOClient

/// One edge to drive: a loopback Socket.IO endpoint.
public struct BenchTarget: Sendable, Hashable, CustomStringConvertible {
    public let endpoint: SocketIOEndpoint

    /// Parses `ws://host:port[/path]`; the path defaults to `/realtime/`.
    /// Only loopback hosts are accepted: the bench never sends traffic elsewhere.
    public init(url: String) throws(BenchError) {
        guard url.hasPrefix("ws://") else { throw BenchError("--url must start with ws:// (got \(url))") }
        let endpoint: SocketIOEndpoint
        do {
            endpoint = try SocketIOEndpoint(url: url)
        } catch {
            throw BenchError("--url \(url): \(error.description)")
        }
        guard url.dropFirst("ws://".count).split(separator: "/").first?.contains(":") == true else {
            throw BenchError("--url needs an explicit port: \(url)")
        }
        guard endpoint.host.hasPrefix("127.") else {
            throw BenchError("the bench only drives loopback edges (127.0.0.0/8 or localhost); got \(endpoint.host)")
        }
        self.endpoint = endpoint
    }

    public var description: String { endpoint.description }
}

/// A failure of the bench itself (bad options, an edge that refuses), one line for the user.
public struct BenchError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
