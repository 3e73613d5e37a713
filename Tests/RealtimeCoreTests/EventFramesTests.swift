import NIOCore
import RealtimeCore
import SocketIOProtocol
import Testing

@Suite("Event frames")
struct EventFramesTests {
    @Test("a channel message")
    func channelMessage() {
        let frame = EventFrames.message(eventName: "chat", channel: "room", message: ["t": 1])
        #expect(String(buffer: frame) == #"42["chat",{"channel":"room","message":{"t":1}}]"#)
    }

    @Test("a broadcast has a null channel")
    func broadcast() {
        let frame = EventFrames.message(eventName: "news", channel: nil, message: "hello")
        #expect(String(buffer: frame) == #"42["news",{"channel":null,"message":"hello"}]"#)
    }

    @Test("the pre-serialized variant produces the same bytes")
    func serializedVariant() {
        let message: JSONValue = ["a": [1, 2.5, true, .null], "b": "x\"y"]
        let direct = EventFrames.message(eventName: "e", channel: "c", message: message)
        let spliced = EventFrames.message(eventName: "e", channel: "c", serializedMessage: message.serialized)
        #expect(direct == spliced)
        #expect(String(buffer: direct) == #"42["e",{"channel":"c","message":{"a":[1,2.5,true,null],"b":"x\"y"}}]"#)
    }

    @Test("names and channels are JSON-escaped")
    func escaping() {
        let frame = EventFrames.message(eventName: "q\"uote", channel: "line\\b", message: .null)
        #expect(String(buffer: frame) == #"42["q\"uote",{"channel":"line\\b","message":null}]"#)
    }

    @Test("presence events carry {channel, message: {id, data}}")
    func presence() {
        let member = PresenceRecord(id: "sock1", data: ["name": "Ada"], node: "edge-1", userId: "u1")
        #expect(
            String(buffer: EventFrames.presence(.join, channel: "room", member: member))
                == #"42["channel:join",{"channel":"room","message":{"data":{"name":"Ada"},"id":"sock1"}}]"#)
        let fresh = PresenceRecord(id: "sock2", node: "edge-1")
        #expect(
            String(buffer: EventFrames.presence(.leave, channel: "r", member: fresh))
                == #"42["channel:leave",{"channel":"r","message":{"data":null,"id":"sock2"}}]"#)
        #expect(String(buffer: EventFrames.presence(.update, channel: "r", member: fresh)).hasPrefix(#"42["channel:update","#))
    }

    @Test("realtime:error carries {code, message, event}")
    func error() {
        let frame = EventFrames.error(RealtimeError(.invalidChannel, "bad"), event: "join")
        #expect(String(buffer: frame) == #"42["realtime:error",{"code":"invalid_channel","event":"join","message":"bad"}]"#)
    }

    @Test("a generic event lists its arguments")
    func genericEvent() {
        #expect(String(buffer: EventFrames.event("x", [1, "two", .null])) == #"42["x",1,"two",null]"#)
        #expect(String(buffer: EventFrames.event("y", [])) == #"42["y"]"#)
    }

    @Test("frames decode back with the Socket.IO codec")
    func decodable() throws {
        let frame = EventFrames.message(eventName: "chat", channel: "room", message: ["t": 1])
        let packet = try EngineIOCodec.decode(Array(frame.readableBytesView))
        guard case .message(let socketPacket) = packet else {
            Issue.record("not a message packet: \(packet)")
            return
        }
        #expect(socketPacket.eventName == "chat")
        #expect(socketPacket.eventArguments == [["channel": "room", "message": ["t": 1]]])
    }

    @Test("the presence record's public and stored forms")
    func presenceRecord() {
        let record = PresenceRecord(id: "a", data: ["k": 1], node: "n", userId: "u")
        #expect(record.publicJSON == ["id": "a", "data": ["k": 1]])
        #expect(PresenceRecord(stored: record.storedJSON) == record)
        #expect(PresenceRecord(stored: ["id": "a"]) == nil)
    }
}
