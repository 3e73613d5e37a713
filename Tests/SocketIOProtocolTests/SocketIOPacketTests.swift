import Testing

@testable import SocketIOProtocol

@Suite("SocketIOPacket helpers")
struct SocketIOPacketTests {
    @Test func defaults() {
        let packet = SocketIOPacket(type: .event)
        #expect(packet.namespace == "/")
        #expect(packet.id == nil)
        #expect(packet.attachments == nil)
        #expect(packet.data == nil)
    }

    @Test func eventBuildsNameThenArguments() {
        let packet = SocketIOPacket.event("move", [1, "x"], id: 3, namespace: "/game")
        #expect(packet.type == .event)
        #expect(packet.data == ["move", 1, "x"])
        #expect(packet.id == 3)
        #expect(packet.namespace == "/game")
        #expect(packet.eventName == "move")
        #expect(packet.eventArguments == [1, "x"])
    }

    @Test func ackArgumentsAreTheWholeArray() {
        let packet = SocketIOPacket.ack(id: 9, ["ok", 2])
        #expect(packet.type == .ack)
        #expect(packet.id == 9)
        #expect(packet.eventName == nil)
        #expect(packet.eventArguments == ["ok", 2])
    }

    @Test func eventNameNeedsAnEventWithALeadingString() {
        #expect(SocketIOPacket(type: .event, data: [1, 2]).eventName == nil)
        #expect(SocketIOPacket(type: .event, data: []).eventName == nil)
        #expect(SocketIOPacket(type: .connect, data: ["a"]).eventName == nil)
        #expect(SocketIOPacket(type: .event).eventArguments == [])
        #expect(SocketIOPacket(type: .connect, data: ["a": 1]).eventArguments == [])
    }

    @Test func serverRepliesHaveTheReferenceShapes() {
        #expect(SocketIOPacket.connect(sid: "abc").data == ["sid": "abc"])
        #expect(SocketIOPacket.connectError(message: "nope").data == ["message": "nope"])
        #expect(SocketIOPacket.connectError(message: "nope", data: ["code": 4]).data == ["message": "nope", "data": ["code": 4]])
        #expect(SocketIOPacket.disconnect(namespace: "/a") == SocketIOPacket(type: .disconnect, namespace: "/a"))
    }
}
