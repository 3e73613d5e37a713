import RealtimeTestSupport
import SocketIOProtocol
import Testing

@Suite("Leaving on disconnect")
struct DisconnectTests {
    @Test("closing a connection sends channel:leave in each of its channels and clears members")
    func leaveOnClose() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            let c = try await edge.client()
            _ = try await a.join("one")
            _ = try await c.join("two")
            _ = try await b.join("one")
            _ = try await b.join("two")
            _ = try await b.call("update", ["data": ["name": "Bea"]])
            b.close()
            let expected: JSONValue = ["id": .string(b.socketId), "data": ["name": "Bea"]]
            #expect(try await a.nextEvent("channel:leave") == ["channel": "one", "message": expected])
            #expect(try await c.nextEvent("channel:leave") == ["channel": "two", "message": expected])
            #expect(try await a.memberIds("one") == [a.socketId])
            #expect(try await a.memberIds("two") == [c.socketId])
            #expect(await eventually { edge.node.connectionCount == 2 })
        }
    }

    @Test("a closed connection no longer counts in /api/v1/channels")
    func channelsForgetClosed() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            _ = try await a.join("solo")
            a.close()
            #expect(
                await eventually {
                    (try? await http("GET", edge, "/api/v1/channels"))?.json == []
                })
        }
    }
}
