import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Server API: user events")
struct ServerAPIUserEventTests {
    @Test("a user event reaches every connection of that user and no one else, without tokens")
    func userEvents() async throws {
        try await withEdge { edge in
            let ada1 = try await edge.client(auth: ["session": .string(try await SessionTokens.sign(sub: "ada"))])
            let ada2 = try await edge.client(auth: ["session": .string(try await SessionTokens.sign(sub: "ada"))], path: "/realtime/")
            let bob = try await edge.client(auth: ["session": .string(try await SessionTokens.sign(sub: "bob"))])
            let anonymous = try await edge.client()
            let body =
                #"{"eventName":"signin","session":{"id":"s1","token":"secret-token","device":{"refreshToken":"r"}},"user":{"id":"ada","email":"ada@example.com"}}"#
            let result = try await http("POST", edge, "/api/v1/users/ada/events", body: body)
            #expect(result.status == 202)
            for client in [ada1, ada2] {
                let arguments = try await client.nextEventArguments("user:signin")
                #expect(arguments == ["user:signin", ["id": "s1", "device": [:]], ["id": "ada", "email": "ada@example.com"]])
            }
            _ = try await http("POST", edge, "/api/v1/broadcast", body: #"{"eventName":"marker","message":"end"}"#)
            for client in [bob, anonymous] {
                try await client.awaitMark("end")
                #expect(client.unread("user:signin").isEmpty)
            }
        }
    }

    @Test(
        "user:<kind> names are accepted; other names are 400",
        arguments: [
            ("user:pwdchange", 202), ("delete", 202), ("user:nope", 400), ("chat", 400),
        ])
    func eventNames(name: String, status: Int) async throws {
        try await withEdge { edge in
            let result = try await http("POST", edge, "/api/v1/users/u1/events", body: #"{"eventName":"\#(name)"}"#)
            #expect(result.status == status, "\(result.text)")
            if status == 400 { #expect(result.json?["errors"]?[0]?["code"] == "invalid_payload") }
        }
    }

    @Test("a user event for a user with no connection is accepted and goes nowhere")
    func nobodyHome() async throws {
        try await withEdge { edge in
            let other = try await edge.client(auth: ["session": .string(try await SessionTokens.sign(sub: "someone"))])
            #expect(try await http("POST", edge, "/api/v1/users/ghost/events", body: #"{"eventName":"update"}"#).status == 202)
            _ = try await http("POST", edge, "/api/v1/broadcast", body: #"{"eventName":"marker","message":"end"}"#)
            try await other.awaitMark("end")
            #expect(other.unread("user:update").isEmpty)
        }
    }
}
