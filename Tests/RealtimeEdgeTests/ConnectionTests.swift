import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Connecting over Engine.IO 4 / Socket.IO 5")
struct ConnectionTests {
    @Test("both endpoint paths serve the same broker", arguments: ["/realtime/", "/socket.io/"])
    func bothPaths(path: String) async throws {
        try await withEdge { edge in
            let client = try await edge.socket(path: path)
            let sid = try await client.connectOK()
            #expect(!sid.isEmpty)
            #expect(try await client.join("room") == okAck)
            #expect(try await client.memberIds("room") == [sid])
        }
    }

    @Test("clients on /realtime/ and /socket.io/ talk to each other")
    func crossPath() async throws {
        try await withEdge { edge in
            let a = try await edge.client(path: "/realtime/")
            let b = try await edge.client(path: "/socket.io/")
            _ = try await b.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": "hi"])
            #expect(try await b.nextEvent("chat") == ["channel": "room", "message": "hi"])
        }
    }

    @Test("the open packet advertises the configured pingInterval, pingTimeout and maxPayload")
    func openPacket() async throws {
        try await withEdge({
            $0.pingInterval = .milliseconds(1500)
            $0.pingTimeout = .milliseconds(700)
            $0.maxPayload = 123_456
        }) { edge in
            let client = try await edge.socket()
            let open = try #require(client.openPacket.withLock { $0 })
            #expect(open.pingInterval == 1500)
            #expect(open.pingTimeout == 700)
            #expect(open.maxPayload == 123_456)
            #expect(!open.sid.isEmpty)
            #expect(open.upgrades.isEmpty)
        }
    }

    @Test("CONNECT answers 40 with a fresh sid per connection")
    func connectReply() async throws {
        try await withEdge { edge in
            let a = try await edge.socket()
            let reply = try await a.connect(auth: ["echoMessages": true])
            #expect(reply.type == .connect)
            #expect(reply.namespace == "/")
            let b = try await edge.client()
            #expect(a.socketId != b.socketId)
        }
    }

    @Test("an event before CONNECT closes the connection")
    func eventBeforeConnect() async throws {
        try await withEdge { edge in
            let client = try await edge.socket()
            client.send(.event("join", [["channel": "room"]], id: 1))
            #expect(await client.waitUntilClosed())
            #expect(client.unread("join").isEmpty)
            #expect(try await edge.client().memberIds("room").isEmpty)
        }
    }

    @Test("CONNECT to another namespace is refused with 44/<nsp>,{message}")
    func otherNamespace() async throws {
        try await withEdge { edge in
            let client = try await edge.socket()
            client.send("40/other,{}")
            let frame = try await client.nextFrame("the namespace refusal") { $0.hasPrefix("44/other,") }
            let packet = try #require(frame.socketIOPacket)
            #expect(packet.type == .connectError)
            #expect(packet.namespace == "/other")
            #expect(packet.data?["message"]?.stringValue?.isEmpty == false)
            // The default namespace still works on the same socket.
            _ = try await client.connectOK()
            #expect(try await client.join("r") == okAck)
        }
    }

    @Test(
        "a Socket.IO DISCONNECT (41) or Engine.IO CLOSE (1) ends the session and its presence, the socket left open",
        arguments: ["41", "1"])
    func disconnectPacket(frame: String) async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room", echo: false)
            _ = try await b.join("room", echo: false)
            b.send(frame)
            let leave = try await a.nextEvent("channel:leave")
            #expect(leave["message"]?["id"]?.stringValue == b.socketId)
            #expect(try await a.memberIds("room") == [a.socketId])
            #expect(await eventually { edge.node.connectionCount == 1 })
        }
    }
}
