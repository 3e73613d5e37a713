/// Handshake data the server sends in the Engine.IO OPEN packet.
public struct EngineIOOpen: Sendable, Equatable {
    public var sid: String
    /// Transports the client may upgrade to; empty over a direct WebSocket.
    public var upgrades: [String]
    /// Milliseconds between server pings.
    public var pingInterval: Int
    /// Milliseconds the server waits for a pong before closing.
    public var pingTimeout: Int
    /// Largest message, in bytes, the server accepts.
    public var maxPayload: Int

    /// Defaults are the reference server's defaults.
    public init(
        sid: String,
        upgrades: [String] = [],
        pingInterval: Int = 25_000,
        pingTimeout: Int = 20_000,
        maxPayload: Int = 1_000_000
    ) {
        self.sid = sid
        self.upgrades = upgrades
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
    }
}

/// An Engine.IO v4 packet as carried in one WebSocket text frame.
public enum EngineIOPacket: Sendable, Equatable {
    case open(EngineIOOpen)
    case close
    /// Payload is optional; "probe" is used during transport upgrade.
    case ping(String?)
    case pong(String?)
    case message(SocketIOPacket)
    case upgrade
    case noop
}
