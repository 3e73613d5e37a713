import RealtimeTestSupport
import SocketIOProtocol

extension SocketIOTestClient {
    /// Sends CONNECT for the default namespace and returns the reply: CONNECT or CONNECT_ERROR.
    func connect(auth: JSONValue? = nil) async throws -> SocketIOPacket {
        send(SocketIOPacket(type: .connect, data: auth))
        let reply = try await nextPacket("the CONNECT reply") { packet in
            packet.namespace == "/" && (packet.type == .connect || packet.type == .connectError)
        }
        if reply.type == .connect, let sid = reply.data?["sid"]?.stringValue {
            self.sid.withLock { $0 = sid }
        }
        return reply
    }

    /// CONNECTs and requires success; returns the socket id.
    @discardableResult
    func connectOK(auth: JSONValue? = nil) async throws -> String {
        let reply = try await connect(auth: auth)
        guard reply.type == .connect, let sid = reply.data?["sid"]?.stringValue else {
            throw TestTimeout(what: "a successful CONNECT, got \(reply)")
        }
        return sid
    }

    var socketId: String { sid.withLock { $0 } ?? "" }

    /// Emits an event without an ack.
    func emit(_ name: String, _ payload: JSONValue) {
        send(.event(name, [payload]))
    }

    /// Emits an event with an ack and returns the ack's first argument.
    func call(_ name: String, _ payload: JSONValue) async throws -> JSONValue {
        let id = makeAckId()
        send(.event(name, [payload], id: id))
        let ack = try await nextPacket("the ack \(id) of \(name)") { $0.type == .ack && $0.id == id }
        return ack.eventArguments.first ?? .null
    }

    /// Takes the next event called `name` and returns its arguments.
    func nextEventArguments(_ name: String, within limit: Duration = .seconds(5)) async throws -> [JSONValue] {
        try await nextPacket("the event \(name)", within: limit) { $0.type == .event && $0.eventName == name }.eventArguments
    }

    /// Takes the next event called `name` and returns its first argument.
    func nextEvent(_ name: String, within limit: Duration = .seconds(5)) async throws -> JSONValue {
        try await nextEventArguments(name, within: limit).first ?? .null
    }

    /// Events called `name` received but not yet taken.
    func unread(_ name: String) -> [JSONValue] {
        inbox.pending.compactMap { frame -> JSONValue? in
            guard let packet = frame.socketIOPacket, packet.type == .event, packet.eventName == name else { return nil }
            return packet.eventArguments.first ?? .null
        }
    }

    /// Sends a message to `channel` with an ack, as an ordering marker: once another client
    /// receives it, everything published before it to that client has arrived.
    func mark(_ channel: String?, _ tag: String) async throws {
        var payload: [String: JSONValue] = ["eventName": "marker", "message": .string(tag)]
        if let channel { payload["channel"] = .string(channel) }
        let ack = try await call("message", .object(payload))
        guard ack == ["ok": true] else { throw TestTimeout(what: "marker ack, got \(ack)") }
    }

    /// Waits for the marker `tag`.
    func awaitMark(_ tag: String) async throws {
        _ = try await nextPacket("marker \(tag)") { packet in
            packet.eventName == "marker" && packet.eventArguments.first?["message"]?.stringValue == tag
        }
    }

    func join(_ channel: String, echo: Bool? = nil) async throws -> JSONValue {
        var payload: [String: JSONValue] = ["channel": .string(channel)]
        if let echo { payload["echo"] = .bool(echo) }
        return try await call("join", .object(payload))
    }

    func leave(_ channel: String, echo: Bool? = nil) async throws -> JSONValue {
        var payload: [String: JSONValue] = ["channel": .string(channel)]
        if let echo { payload["echo"] = .bool(echo) }
        return try await call("leave", .object(payload))
    }

    func members(_ channel: String) async throws -> JSONValue {
        try await call("members", ["channel": .string(channel)])
    }

    /// Member ids as the server lists them.
    func memberIds(_ channel: String) async throws -> [String] {
        (try await members(channel))["data"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
    }
}

let okAck: JSONValue = ["ok": true]

extension JSONValue {
    /// The code of an `{error: {code, message}}` ack, if it is one.
    var errorCode: String? { self["error"]?["code"]?.stringValue }
}
