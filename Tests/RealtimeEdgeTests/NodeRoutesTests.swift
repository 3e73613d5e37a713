import SocketIOProtocol
import Testing

@Suite("Node routes: /health, /stats, polling refusal")
struct NodeRoutesTests {
    @Test("GET /health is 200 JSON with status ok")
    func health() async throws {
        try await withEdge { edge in
            let result = try await http("GET", edge, "/health", bearer: nil)
            #expect(result.status == 200)
            #expect(result.json?["status"] == "ok")
            #expect(result.json?["node"]?.stringValue == edge.node.nodeId)
            #expect(result.contentType?.hasPrefix("application/json") == true)
        }
    }

    @Test("GET /stats counts connections, channels and messages")
    func stats() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await a.call("message", ["channel": "room", "eventName": "chat", "message": 1])
            _ = try await b.nextEvent("chat")
            let stats = try #require(try await http("GET", edge, "/stats", bearer: nil).json)
            #expect(stats["connections"] == 2)
            #expect(stats["channels"] == 1)
            #expect((stats["messagesIn"]?.intValue ?? 0) >= 3)
            #expect((stats["messagesOut"]?.intValue ?? 0) >= 2)
            #expect((stats["bytesIn"]?.intValue ?? 0) > 0)
            #expect((stats["bytesOut"]?.intValue ?? 0) > 0)
            #expect(stats["uptimeSeconds"]?.doubleValue != nil)
            #expect(stats["slowClientDisconnects"] == 0)
        }
    }

    @Test("a long-polling request gets 400 JSON", arguments: ["/socket.io/", "/realtime/"])
    func pollingRefused(path: String) async throws {
        try await withEdge { edge in
            let result = try await http("GET", edge, path + "?EIO=4&transport=polling", bearer: nil)
            #expect(result.status == 400)
            let error = result.json?["errors"]?[0]
            #expect(error?["code"]?.stringValue?.isEmpty == false)
            #expect(error?["message"]?.stringValue?.isEmpty == false)
            let post = try await http("POST", edge, path + "?EIO=4&transport=polling&sid=x", body: "40", bearer: nil)
            #expect(post.status == 400)
            #expect(post.json?["errors"] != nil)
        }
    }
}
