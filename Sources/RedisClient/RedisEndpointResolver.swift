import Logging

/// Where to connect, asked on every (re)connect when the address is not fixed
/// (Redis Sentinel: the current master). Pools and subscribers also register to
/// hear when the endpoint moves, so they drop connections to the old one.
public protocol RedisEndpointResolver: Sendable {
    /// The endpoint to connect to now. Throws `RedisConnectError` when it cannot be
    /// known (no sentinel reachable, no master).
    func resolve(logger: Logger) async throws -> RedisEndpoint
    /// Calls `onMove` whenever the endpoint changes; the returned token unregisters.
    func watch(_ onMove: @escaping @Sendable () -> Void) -> RedisEndpointWatch
    /// Names the source for messages ("master mymaster via sentinels a:1,b:2").
    var description: String { get }
}

public struct RedisEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Unregisters a `watch` when cancelled.
public struct RedisEndpointWatch: Sendable {
    private let onCancel: @Sendable () -> Void

    public init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    public func cancel() {
        onCancel()
    }
}

extension RedisConfiguration {
    /// The endpoint to connect to now: the resolver's answer, or the fixed host and port.
    func currentEndpoint(logger: Logger) async throws -> RedisEndpoint {
        if let resolver = endpointResolver {
            return try await resolver.resolve(logger: logger)
        }
        return RedisEndpoint(host: host, port: port)
    }
}
