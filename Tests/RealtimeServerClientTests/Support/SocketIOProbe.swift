import RealtimeTestSupport
import SocketIOProtocol
import Synchronization

/// A Socket.IO v4 client (Engine.IO 4 text frames over ``TestWebSocket``), just enough
/// to see what the server SDK's calls deliver: connect, join, and read events.
final class SocketIOProbe: Sendable {
    let socket: TestWebSocket
    let sid: String
    private let ackIds = Atomic<Int>(0)

    private init(socket: TestWebSocket, sid: String) {
        self.socket = socket
        self.sid = sid
    }

    /// Opens `/socket.io/` on the edge and completes the CONNECT with `auth`.
    static func connect(to edge: EdgeUnderTest, auth: JSONValue? = nil) async throws -> SocketIOProbe {
        // Engine.IO heartbeat: the server pings ("2"), the client answers "3".
        let socket = try await TestWebSocket.connect(
            port: edge.port, path: "/socket.io/?EIO=4&transport=websocket", autoReply: { $0 == "2" ? "3" : nil })
        _ = try await socket.take("the Engine.IO open packet") { $0.hasPrefix("0") }
        socket.send(frame(SocketIOPacket(type: .connect, data: auth)))
        let reply = try await socket.take("the CONNECT reply") { $0.hasPrefix("40") || $0.hasPrefix("44") }
        guard let packet = packet(reply), packet.type == .connect, let sid = packet.data?["sid"]?.stringValue else {
            throw TestTimeout(what: "a successful CONNECT; got \(reply)")
        }
        return SocketIOProbe(socket: socket, sid: sid)
    }

    /// Emits `event` with an ack and returns the ack's first argument.
    func call(_ event: String, _ payload: JSONValue) async throws -> JSONValue {
        let id = ackIds.add(1, ordering: .relaxed).newValue
        socket.send(Self.frame(.event(event, [payload], id: id)))
        let frame = try await socket.take("the ack of \(event)") { frame in
            guard let packet = Self.packet(frame) else { return false }
            return packet.type == .ack && packet.id == id
        }
        return Self.packet(frame)?.eventArguments.first ?? .null
    }

    func join(_ channel: String) async throws {
        let ack = try await call("join", ["channel": .string(channel)])
        guard ack == ["ok": true] else { throw TestTimeout(what: "join \(channel) acked ok; got \(ack)") }
    }

    /// Takes the next event called `name` and returns all its arguments.
    func next(_ name: String, within limit: Duration = .seconds(5)) async throws -> [JSONValue] {
        let frame = try await socket.take("the event \(name)", within: limit) { frame in
            guard let packet = Self.packet(frame) else { return false }
            return packet.type == .event && packet.eventName == name
        }
        return Self.packet(frame)?.eventArguments ?? []
    }

    /// Whether an event called `name` arrived and was not taken.
    func hasUnread(_ name: String) -> Bool {
        socket.unread.contains { Self.packet($0)?.eventName == name }
    }

    func close() { socket.close() }

    private static func frame(_ packet: SocketIOPacket) -> String {
        String(decoding: EngineIOCodec.encodeMessage(packet), as: UTF8.self)
    }

    private static func packet(_ frame: String) -> SocketIOPacket? {
        guard frame.hasPrefix("4"), case .message(let packet)? = try? EngineIOCodec.decode(Array(frame.utf8)) else { return nil }
        return packet
    }
}
