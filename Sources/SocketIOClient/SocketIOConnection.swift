import NIOCore
import SocketIOProtocol

/// One connected Socket.IO client (after the CONNECT reply). Thread-safe: every
/// operation hops to the connection's event loop.
public final class SocketIOConnection: Sendable {
    public let channel: any Channel
    /// The Socket.IO socket id: the member id others see in presence.
    public let sid: String
    /// The private session id, when the server offers connection state recovery.
    public let pid: String?
    public let endpoint: SocketIOEndpoint
    private let handler: NIOLoopBound<SocketIOClientHandler>

    init(channel: any Channel, sid: String, pid: String?, endpoint: SocketIOEndpoint, handler: NIOLoopBound<SocketIOClientHandler>) {
        self.channel = channel
        self.sid = sid
        self.pid = pid
        self.endpoint = endpoint
        self.handler = handler
    }

    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Runs `body` with the handler on the connection's event loop.
    public func execute(_ body: @escaping @Sendable (SocketIOClientHandler) -> Void) {
        let handler = self.handler
        channel.eventLoop.execute { body(handler.value) }
    }

    /// Sends an event with an ack and returns the ack's first argument, parsed.
    public func request(_ event: String, _ payload: JSONValue, timeout: TimeAmount? = nil) async throws -> JSONValue {
        let handler = self.handler
        let raw = try await channel.eventLoop.flatSubmit { handler.value.request(event, payload, timeout: timeout) }.get()
        guard case .array(let args) = try JSONValue.parse(raw.readableBytesView) else {
            throw SocketIOClientError("malformed ack for \(event)")
        }
        return args.first ?? .null
    }

    /// Sends an event with an ack and fails unless the ack is `{ok: true}`.
    public func requestOK(_ event: String, _ payload: JSONValue) async throws {
        let reply = try await request(event, payload)
        guard reply["ok"]?.boolValue == true else {
            throw SocketIOClientError("\(event) failed: \(reply)")
        }
    }

    public var isActive: Bool { channel.isActive }

    public func close() {
        execute { $0.close() }
    }

    /// Closes and waits (bounded) for the TCP connection to end.
    public func closeAndWait() async {
        close()
        let timeout = channel.eventLoop.scheduleTask(in: .seconds(2)) { [channel] in channel.close(promise: nil) }
        try? await channel.closeFuture.get()
        timeout.cancel()
    }
}
