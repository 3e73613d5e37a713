import SocketIOProtocol
import Testing

@Suite("Server API: channels, broadcast, members")
struct ServerAPIMessagingTests {
    @Test("POST /channels/{channel}/messages is 202 and reaches the channel's members only")
    func publishToChannel() async throws {
        try await withEdge { edge in
            let member = try await edge.client()
            let outsider = try await edge.client()
            _ = try await member.join("room")
            let result = try await http(
                "POST", edge, "/api/v1/channels/room/messages", body: #"{"eventName":"notice","message":{"k":"v"}}"#)
            #expect(result.status == 202)
            #expect(try await member.nextEvent("notice") == ["channel": "room", "message": ["k": "v"]])
            _ = try await http("POST", edge, "/api/v1/broadcast", body: #"{"eventName":"marker","message":"end"}"#)
            try await outsider.awaitMark("end")
            #expect(outsider.unread("notice").isEmpty)
        }
    }

    @Test("a percent-encoded channel name is decoded")
    func encodedChannel() async throws {
        try await withEdge { edge in
            let member = try await edge.client()
            _ = try await member.join("room 1/é")
            let result = try await http(
                "POST", edge, "/api/v1/channels/room%201%2F%C3%A9/messages", body: #"{"eventName":"n","message":1}"#)
            #expect(result.status == 202)
            #expect(try await member.nextEvent("n")["channel"] == "room 1/é")
        }
    }

    @Test("POST /broadcast is 202 and reaches every client with channel null")
    func broadcast() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client(path: "/realtime/")
            let result = try await http("POST", edge, "/api/v1/broadcast", body: #"{"eventName":"maintenance","message":"soon"}"#)
            #expect(result.status == 202)
            for client in [a, b] {
                #expect(try await client.nextEvent("maintenance") == ["channel": .null, "message": "soon"])
            }
        }
    }

    @Test("GET /channels/{channel}/members lists [{id, data}]")
    func members() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await b.call("update", ["data": ["n": 2]])
            let result = try await http("GET", edge, "/api/v1/channels/room/members")
            #expect(result.status == 200)
            #expect(
                result.json == [
                    ["id": .string(a.socketId), "data": .null],
                    ["id": .string(b.socketId), "data": ["n": 2]],
                ])
            #expect(try await http("GET", edge, "/api/v1/channels/nobody/members").json == [])
        }
    }

    @Test("GET /channels lists active channels with member counts")
    func channels() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("alpha")
            _ = try await b.join("alpha")
            _ = try await b.join("beta")
            let result = try await http("GET", edge, "/api/v1/channels")
            #expect(result.status == 200)
            let listed = Set(result.json?.arrayValue ?? [])
            #expect(listed == [["channel": "alpha", "members": 2], ["channel": "beta", "members": 1]])
        }
    }

    static let badBodyCases: [(String, String, Int)] = [
        ("/api/v1/channels/room/messages", "not json", 400),
        ("/api/v1/channels/room/messages", #"{"message":1}"#, 400),
        ("/api/v1/channels/room/messages", #"{"eventName":"channel:join","message":1}"#, 400),
        ("/api/v1/broadcast", "[]", 400),
        ("/api/v1/broadcast", #"{"eventName":"e","message":""# + String(repeating: "x", count: 70_000) + #""}"#, 413),
    ]

    @Test("bad bodies get 4xx with {errors: [{code, message}]}", arguments: badBodyCases)
    func badBodies(path: String, body: String, status: Int) async throws {
        try await withEdge { edge in
            let result = try await http("POST", edge, path, body: body)
            #expect(result.status == status)
            let error = result.json?["errors"]?[0]
            #expect(error?["code"]?.stringValue?.isEmpty == false, "\(result.text)")
            #expect(error?["message"]?.stringValue?.isEmpty == false)
        }
    }

    @Test("an invalid channel in the path is 400")
    func invalidChannel() async throws {
        try await withEdge { edge in
            let long = String(repeating: "a", count: 257)
            let result = try await http("POST", edge, "/api/v1/channels/\(long)/messages", body: #"{"eventName":"e","message":1}"#)
            #expect(result.status == 400)
            #expect(result.json?["errors"]?[0]?["code"] == "invalid_channel")
            let control = try await http("GET", edge, "/api/v1/channels/a%07b/members")
            #expect(control.status == 400)
        }
    }
}
