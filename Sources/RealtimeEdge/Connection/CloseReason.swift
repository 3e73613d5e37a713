/// Why the server ends a connection; logged and mapped to a WebSocket close code.
enum CloseReason: Sendable, Equatable {
    case clientClosed
    case pingTimeout
    case slowConsumer
    case handshakeRefused
    case serverShutdown
    case sessionEnded
    case protocolViolation(String)

    var text: String {
        switch self {
        case .clientClosed: "client closed"
        case .pingTimeout: "ping timeout"
        case .slowConsumer: "slow consumer: outbound queue full"
        case .handshakeRefused: "handshake refused"
        case .serverShutdown: "server shutting down"
        case .sessionEnded: "session ended"
        case .protocolViolation(let why): "protocol violation: \(why)"
        }
    }
}
