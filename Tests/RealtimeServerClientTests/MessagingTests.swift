import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("send and broadcast reach Socket.IO clients")
struct MessagingTests {
    @Test("send delivers {channel, message} to the channel's members only")
    func sendToChannel() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let member = try await SocketIOProbe.connect(to: edge)
            let outsider = try await SocketIOProbe.connect(to: edge)
            defer {
                member.close()
                outsider.close()
            }
            try await member.join("orders")

            try await sdk.send(channel: "orders", eventName: "created", message: ["id": 42, "tags": ["a", "b"]])

            let args = try await member.next("created")
            #expect(args == [["channel": "orders", "message": ["id": 42, "tags": ["a", "b"]]]])
            // The member got it, so an outsider would have too by now.
            #expect(!outsider.hasUnread("created"))
        }
    }

    @Test("channel names are percent-encoded in the path", arguments: ["room 1/α?x=#%", "..", "a+b&c"])
    func encodedChannel(channel: String) async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL + "/", masterKey: EdgeUnderTest.masterKey)
            let member = try await SocketIOProbe.connect(to: edge)
            defer { member.close() }
            try await member.join(channel)
            try await sdk.send(channel: channel, eventName: "ping", message: .null)
            #expect(try await member.next("ping") == [["channel": .string(channel), "message": .null]])
            #expect(try await sdk.getMembers(channel: channel).map(\.id) == [member.sid])
        }
    }

    @Test("an Encodable message is sent as its JSON")
    func encodableMessage() async throws {
        struct Order: Encodable {
            var id: Int
            var item: String
            var paid: Bool
        }
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let member = try await SocketIOProbe.connect(to: edge)
            defer { member.close() }
            try await member.join("orders")
            try await sdk.send(channel: "orders", eventName: "created", message: Order(id: 7, item: "tea", paid: true))
            #expect(try await member.next("created") == [["channel": "orders", "message": ["id": 7, "item": "tea", "paid": true]]])
        }
    }

    @Test("broadcast reaches every client with channel null")
    func broadcast() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let a = try await SocketIOProbe.connect(to: edge)
            let b = try await SocketIOProbe.connect(to: edge)
            defer {
                a.close()
                b.close()
            }

            try await sdk.broadcast(eventName: "announce", message: ["v": 7])
            try await sdk.broadcast(eventName: "typed", message: ["x", "y"] as [String])

            for client in [a, b] {
                #expect(try await client.next("announce") == [["channel": .null, "message": ["v": 7]]])
                #expect(try await client.next("typed") == [["channel": .null, "message": ["x", "y"]]])
            }
        }
    }
}
