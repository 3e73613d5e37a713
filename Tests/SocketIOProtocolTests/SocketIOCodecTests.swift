import Testing

@testable import SocketIOProtocol

/// Examples from the Socket.IO protocol v5 document.
@Suite("Socket.IO codec: protocol examples")
struct SocketIOCodecTests {
    static let examples: [(String, SocketIOPacket)] = [
        ("0", SocketIOPacket(type: .connect)),
        (#"0{"token":"123"}"#, SocketIOPacket(type: .connect, data: ["token": "123"])),
        ("0/admin,", SocketIOPacket(type: .connect, namespace: "/admin")),
        (#"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#, .connect(namespace: "/admin", sid: "oSO0OpakMV_3jnilAAAA")),
        (#"0{"sid":"oSO0OpakMV_3jnilAAAA"}"#, .connect(sid: "oSO0OpakMV_3jnilAAAA")),
        (#"4{"message":"Not authorized"}"#, .connectError(message: "Not authorized")),
        ("1", .disconnect()),
        ("1/admin,", .disconnect(namespace: "/admin")),
        (#"2["foo"]"#, .event("foo", [])),
        (#"2/admin,["bar"]"#, .event("bar", [], namespace: "/admin")),
        (#"2/admin,456["project:delete",123]"#, .event("project:delete", [123], id: 456, namespace: "/admin")),
        ("3/admin,456[]", .ack(id: 456, [], namespace: "/admin")),
        (#"2["chat","hi"]"#, .event("chat", ["hi"])),
        (#"212["hello",1,{"a":[true,null]}]"#, .event("hello", [1, ["a": [true, nil]]], id: 12)),
        (
            #"51-["baz",{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(type: .binaryEvent, attachments: 1, data: ["baz", ["_placeholder": true, "num": 0]])
        ),
        (
            #"61-/admin,456[{"_placeholder":true,"num":0}]"#,
            SocketIOPacket(type: .binaryAck, namespace: "/admin", id: 456, attachments: 1, data: [["_placeholder": true, "num": 0]])
        ),
    ]

    @Test(arguments: examples)
    func decodesExample(wire: String, expected: SocketIOPacket) throws {
        #expect(try SocketIOCodec.decode(bytes(wire)) == expected)
    }

    @Test(arguments: examples)
    func encodesExampleByteForByte(wire: String, packet: SocketIOPacket) {
        #expect(text(SocketIOCodec.encode(packet)) == wire)
    }

    @Test func encodeIntoAppends() {
        var buffer = bytes("4")
        SocketIOCodec.encode(.event("chat", ["hi"]), into: &buffer)
        #expect(text(buffer) == #"42["chat","hi"]"#)
    }

    @Test func explicitMainNamespaceDecodesAsDefault() throws {
        #expect(try SocketIOCodec.decode(bytes(#"2/,["a"]"#)) == .event("a", []))
        // An empty namespace is written like the main one.
        #expect(text(SocketIOCodec.encode(SocketIOPacket(type: .connect, namespace: ""))) == "0")
    }

    @Test func namespacesMayContainAnythingButCommasAndControls() throws {
        let packet = try SocketIOCodec.decode(bytes(#"2/chät room?x=1 [,7["a"]"#))
        #expect(packet.namespace == "/chät room?x=1 [")
        #expect(packet.id == 7)
        #expect(packet.eventName == "a")
    }

    @Test func connectErrorAcceptsAStringOrNothing() throws {
        #expect(try SocketIOCodec.decode(bytes(#"4/admin,"Not authorized""#)).data == "Not authorized")
        #expect(try SocketIOCodec.decode(bytes("4")).data == nil)
    }

    /// The reference parser ends a namespace at the first comma or at the end of the
    /// packet, so `0/x` is a CONNECT to `/x` (which the server answers with CONNECT_ERROR).
    @Test func namespaceWithoutTrailingCommaRunsToTheEnd() throws {
        #expect(try SocketIOCodec.decode(bytes("0/x")) == SocketIOPacket(type: .connect, namespace: "/x"))
        #expect(try SocketIOCodec.decode(bytes("0/x,")) == SocketIOPacket(type: .connect, namespace: "/x"))
        #expect(try SocketIOCodec.decode(bytes("1/")) == .disconnect())
        #expect(try SocketIOCodec.decode(bytes("1/admin")) == .disconnect(namespace: "/admin"))
    }

    @Test func ackIdsUpToNineDigits() throws {
        #expect(try SocketIOCodec.decode(bytes(#"2999999999["a"]"#)).id == 999_999_999)
        #expect(try SocketIOCodec.decode(bytes("30[]")).id == 0)
        // Leading zeros are tolerated like the reference parser's Number().
        #expect(try SocketIOCodec.decode(bytes("3007[]")).id == 7)
    }

    @Test func binaryHeadersAreDecodedAndFlagged() throws {
        let packet = try SocketIOCodec.decode(bytes(#"52-/admin,["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        #expect(packet.isBinary)
        #expect(packet.type.isBinary)
        #expect(packet.attachments == 2)
        #expect(packet.eventName == "upload")
        #expect(packet.eventArguments.count == 2)
        #expect(!SocketIOPacket.event("a", []).isBinary)
    }

    @Test func jsonWhitespaceAroundTheDataIsAccepted() throws {
        #expect(try SocketIOCodec.decode(bytes(#"2 [ "a" , 1 ] "#)) == .event("a", [1]))
    }

    @Test func decodesFromSlicesWithoutCopying() throws {
        let frame = bytes(#"42["chat","hi"]"#)
        #expect(try SocketIOCodec.decode(frame[1...]) == .event("chat", ["hi"]))
    }
}
