/// A cluster node's answer that the key lives elsewhere: `MOVED <slot> <host>:<port>`
/// (the slot's owner changed for good: update the map) or `ASK <slot> <host>:<port>`
/// (mid-migration: ask that node once, after `ASKING`).
public struct RedisRedirection: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case moved
        case ask
    }

    public var kind: Kind
    public var slot: Int
    public var endpoint: RedisEndpoint

    public init(kind: Kind, slot: Int, endpoint: RedisEndpoint) {
        self.kind = kind
        self.slot = slot
        self.endpoint = endpoint
    }

    /// Parses an error reply's text; nil when it is no redirection.
    public init?(_ message: String) {
        let parts = message.split(separator: " ")
        guard parts.count == 3, let slot = Int(parts[1]), (0..<RedisClusterSlot.count).contains(slot) else { return nil }
        switch parts[0] {
        case "MOVED": kind = .moved
        case "ASK": kind = .ask
        default: return nil
        }
        // The port follows the last colon, so IPv6 addresses parse too.
        guard let colon = parts[2].lastIndex(of: ":"), let port = Int(parts[2][parts[2].index(after: colon)...]) else {
            return nil
        }
        var host = String(parts[2][..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.slot = slot
        self.endpoint = RedisEndpoint(host: host, port: port)
    }
}

extension RedisError {
    /// The redirection an error reply carries, if any.
    public var redirection: RedisRedirection? {
        guard case .server(let message) = self else { return nil }
        return RedisRedirection(message)
    }
}
