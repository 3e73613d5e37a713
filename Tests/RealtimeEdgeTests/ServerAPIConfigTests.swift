import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Server API: configuration")
struct ServerAPIConfigTests {
    @Test("GET /config returns the settings in force")
    func getConfig() async throws {
        let settings = RealtimeSettings(apiKeyRequired: true, apiKeys: [APIKey(key: "k1", name: "web")])
        try await withEdge({ $0.initialSettings = settings }) { edge in
            let result = try await http("GET", edge, "/api/v1/config")
            #expect(result.status == 200)
            let json = try #require(result.json)
            #expect(json["enabled"] == true)
            #expect(json["apiKeyRequired"] == true)
            #expect(json["sessionRequired"] == false)
            #expect(json["apiKeys"] == [["key": "k1", "name": "web"]])
            #expect(json["rateLimits"] == [])
        }
    }

    @Test("PUT enabled:false takes effect: a new CONNECT gets realtime_not_allowed")
    func disableLive() async throws {
        try await withEdge { edge in
            #expect(try await edge.socket().connect().type == .connect)
            let result = try await http("PUT", edge, "/api/v1/config", body: #"{"enabled": false}"#)
            #expect(result.status == 200)
            #expect(result.json?["enabled"] == false)
            #expect(try await http("GET", edge, "/api/v1/config").json?["enabled"] == false)
            let reply = try await edge.socket().connect()
            #expect(reply.type == .connectError)
            #expect(reply.data?["data"]?["code"] == "realtime_not_allowed")
            // And back on.
            #expect(try await http("PUT", edge, "/api/v1/config", body: #"{"enabled": true}"#).status == 200)
            #expect(try await edge.socket().connect().type == .connect)
        }
    }

    @Test("PUT of API keys applies to the next handshake")
    func requireKeysLive() async throws {
        try await withEdge { edge in
            let body = #"{"apiKeyRequired": true, "apiKeys": [{"key": "fresh", "expiresAt": "2999-01-01T00:00:00Z"}]}"#
            #expect(try await http("PUT", edge, "/api/v1/config", body: body).status == 200)
            #expect(try await edge.socket().connect().data?["data"]?["code"] == "missing_api_key")
            #expect(try await edge.socket().connect(auth: ["apiKey": "fresh"]).type == .connect)
            let stored = try await http("GET", edge, "/api/v1/config").json
            #expect(stored?["apiKeys"]?[0]?["expiresAt"] == "2999-01-01T00:00:00Z")
        }
    }

    static let invalidBodies: [(String, String)] = [
        (#"{"rateLimits": [{"name": "a", "rate": 0, "duration": 1, "errorMessage": "m"}]}"#, "rateLimits[0].rate"),
        (#"{"apiKeys": [{"key": ""}]}"#, "apiKeys[0].key"),
        (#"{"enabled": "yes"}"#, "enabled"),
        (#"{"apiKeys": [{"key": "k", "expiresAt": "soon"}]}"#, "apiKeys[0].expiresAt"),
        ("not json", ""),
        ("[]", ""),
    ]

    @Test("an invalid PUT is 400 with errors[0] naming the problem, and changes nothing", arguments: invalidBodies)
    func invalidPut(body: String, field: String) async throws {
        try await withEdge { edge in
            let result = try await http("PUT", edge, "/api/v1/config", body: body)
            #expect(result.status == 400, "\(result.text)")
            let error = try #require(result.json?["errors"]?[0])
            #expect(error["code"]?.stringValue?.isEmpty == false)
            let message = error["message"]?.stringValue ?? ""
            #expect(!message.isEmpty)
            if !field.isEmpty { #expect(message.contains(field), "\(message)") }
            #expect(edge.node.settings.current == .default)
            #expect(try await http("GET", edge, "/api/v1/config").json?["enabled"] == true)
        }
    }
}
