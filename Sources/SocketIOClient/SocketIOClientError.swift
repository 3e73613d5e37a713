import SocketIOProtocol

/// A failure of the Socket.IO client transport, one line for the user.
public struct SocketIOClientError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// The server's CONNECT_ERROR payload when the handshake was refused
    /// (`{message, data: {origin, code, message}}`), nil for transport failures.
    public let connectError: JSONValue?
    /// True when an ack did not arrive in time.
    public let timedOut: Bool

    public init(_ description: String, connectError: JSONValue? = nil, timedOut: Bool = false) {
        self.description = description
        self.connectError = connectError
        self.timedOut = timedOut
    }
}
