import SocketIOProtocol
import Testing

@Suite("Server API: master key")
struct ServerAPIAuthTests {
    static let routes: [(String, String, String?)] = [
        ("GET", "/api/v1/channels", nil),
        ("GET", "/api/v1/channels/room/members", nil),
        ("POST", "/api/v1/channels/room/messages", #"{"eventName":"e","message":1}"#),
        ("POST", "/api/v1/broadcast", #"{"eventName":"e","message":1}"#),
        ("POST", "/api/v1/users/u1/events", #"{"eventName":"signin"}"#),
        ("GET", "/api/v1/config", nil),
        ("PUT", "/api/v1/config", #"{"enabled":false}"#),
    ]

    @Test("401 with {errors} without a key, with a wrong key, or without Bearer", arguments: routes)
    func unauthorized(method: String, path: String, body: String?) async throws {
        try await withEdge { edge in
            for bearer in [nil, "wrong-key", "", TestEdge.masterKey + "x"] as [String?] {
                let result = try await http(method, edge, path, body: body, bearer: bearer)
                #expect(result.status == 401, "\(method) \(path) with \(bearer ?? "no key")")
                #expect(result.json?["errors"]?[0]?["code"]?.stringValue?.isEmpty == false)
            }
            // The refused PUT changed nothing.
            #expect(edge.node.settings.current.enabled)
        }
    }

    @Test("the master key in another scheme is refused")
    func basicScheme() async throws {
        try await withEdge { edge in
            var request = try await http("GET", edge, "/api/v1/channels", bearer: nil)
            #expect(request.status == 401)
            request = try await httpWithHeader(edge, "/api/v1/channels", authorization: "Basic " + TestEdge.masterKey)
            #expect(request.status == 401)
            request = try await httpWithHeader(edge, "/api/v1/channels", authorization: "Bearer " + TestEdge.masterKey)
            #expect(request.status == 200)
        }
    }

    @Test("without a configured master key the API is closed")
    func noMasterKey() async throws {
        try await withEdge({ configuration in configuration.masterKey = nil }) { edge in
            let empty = try await http("GET", edge, "/api/v1/channels", bearer: "")
            #expect(empty.status == 401)
            let formerKey = try await http("GET", edge, "/api/v1/channels", bearer: TestEdge.masterKey)
            #expect(formerKey.status == 401)
        }
    }
}
