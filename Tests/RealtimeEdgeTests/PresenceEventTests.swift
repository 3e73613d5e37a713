import SocketIOProtocol
import Testing

@Suite("join, leave, update: presence events and members")
struct PresenceEventTests {
    @Test("join: existing members get channel:join {channel, message: {id, data: null}}")
    func joinEvent() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            #expect(try await a.join("room", echo: false) == okAck)
            #expect(try await b.join("room") == okAck)
            let event = try await a.nextEvent("channel:join")
            #expect(event == ["channel": "room", "message": ["id": .string(b.socketId), "data": .null]])
        }
    }

    @Test("members acks {data: [{id, data}]} in join order")
    func members() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await b.call("update", ["data": ["name": "Bo"]])
            let answer = try await a.members("room")
            #expect(
                answer == [
                    "data": [
                        ["id": .string(a.socketId), "data": .null],
                        ["id": .string(b.socketId), "data": ["name": "Bo"]],
                    ]
                ])
            #expect(try await a.members("empty-room") == ["data": []])
        }
    }

    @Test("leave: remaining members get channel:leave with the leaver's metadata")
    func leaveEvent() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room")
            _ = try await b.join("room")
            _ = try await b.call("update", ["data": ["v": 1]])
            #expect(try await b.leave("room") == okAck)
            let event = try await a.nextEvent("channel:leave")
            #expect(event == ["channel": "room", "message": ["id": .string(b.socketId), "data": ["v": 1]]])
            #expect(try await a.memberIds("room") == [a.socketId])
        }
    }

    @Test("update: metadata is one object per connection, announced in each of its channels")
    func updateShared() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            let c = try await edge.client()
            _ = try await a.join("one")
            _ = try await a.join("two")
            _ = try await b.join("one")
            _ = try await c.join("two")
            #expect(try await a.call("update", ["data": ["status": "away"]]) == okAck)
            let expectedMessage: JSONValue = ["id": .string(a.socketId), "data": ["status": "away"]]
            #expect(try await b.nextEvent("channel:update") == ["channel": "one", "message": expectedMessage])
            #expect(try await c.nextEvent("channel:update") == ["channel": "two", "message": expectedMessage])
            for channel in ["one", "two"] {
                let data = try await b.members(channel)["data"]?.arrayValue ?? []
                #expect(data.first(where: { $0["id"]?.stringValue == a.socketId })?["data"] == ["status": "away"])
            }
        }
    }

    @Test("metadata set before joining travels with channel:join and members")
    func updateBeforeJoin() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room", echo: false)
            #expect(try await b.call("update", ["data": "just-a-string"]) == okAck)
            _ = try await b.join("room")
            let event = try await a.nextEvent("channel:join")
            #expect(event["message"] == ["id": .string(b.socketId), "data": "just-a-string"])
        }
    }

    @Test("joining twice and leaving a channel not joined are acknowledged no-ops")
    func idempotent() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            let b = try await edge.client()
            _ = try await a.join("room", echo: false)
            _ = try await b.join("room")
            _ = try await a.nextEvent("channel:join")
            #expect(try await b.join("room") == okAck)
            #expect(try await b.leave("elsewhere") == okAck)
            try await b.mark("room", "after-rejoin")
            try await a.awaitMark("after-rejoin")
            #expect(a.unread("channel:join").isEmpty)
            #expect(a.unread("channel:leave").isEmpty)
            #expect(try await a.memberIds("room") == [a.socketId, b.socketId])
        }
    }

    @Test("update without data is invalid_payload; members needs a channel")
    func badPresencePayloads() async throws {
        try await withEdge { edge in
            let a = try await edge.client()
            #expect(try await a.call("update", ["nodata": 1]).errorCode == "invalid_payload")
            #expect(try await a.call("members", [:]).errorCode == "invalid_channel")
            #expect(try await a.call("join", ["channel": 42]).errorCode == "invalid_channel")
        }
    }
}
