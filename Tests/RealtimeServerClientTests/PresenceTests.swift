import RealtimeServerClient
import SocketIOProtocol
import Testing

@Suite("getMembers and channels")
struct PresenceTests {
    @Test("getMembers lists {id, data} of every member; unknown channels have none")
    func members() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            let a = try await SocketIOProbe.connect(to: edge)
            let b = try await SocketIOProbe.connect(to: edge)
            defer {
                a.close()
                b.close()
            }
            try await a.join("room")
            try await b.join("room")
            #expect(try await a.call("update", ["data": ["name": "Ada"]]) == ["ok": true])

            let members = try await sdk.getMembers(channel: "room")
            #expect(Set(members) == [Member(id: a.sid, data: ["name": "Ada"]), Member(id: b.sid, data: .null)])
            #expect(try await sdk.getMembers(channel: "nobody-here").isEmpty)
        }
    }

    @Test("channels lists active channels with member counts")
    func channels() async throws {
        try await withEdge { edge in
            let sdk = RealtimeServerClient(baseURL: edge.baseURL, masterKey: EdgeUnderTest.masterKey)
            #expect(try await sdk.channels().isEmpty)
            let a = try await SocketIOProbe.connect(to: edge)
            let b = try await SocketIOProbe.connect(to: edge)
            defer {
                a.close()
                b.close()
            }
            try await a.join("two")
            try await b.join("two")
            try await b.join("one")

            let channels = try await sdk.channels()
            #expect(Set(channels) == [ChannelInfo(channel: "two", members: 2), ChannelInfo(channel: "one", members: 1)])
        }
    }
}
