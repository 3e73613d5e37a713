import Testing

@testable import SocketIOProtocol

@Suite("Socket.IO codec: rejected packets")
struct SocketIOCodecRejectionTests {
    @Test func emptyInput() {
        #expect(socketIOError([]) == .empty)
    }

    @Test(arguments: [("7", UInt8(ascii: "7")), ("x", UInt8(ascii: "x")), ("[1]", UInt8(ascii: "[")), (" 2", 0x20)] as [(String, UInt8)])
    func unknownType(wire: String, byte: UInt8) {
        #expect(socketIOError(bytes(wire)) == .unknownSocketIOType(byte))
    }

    @Test(arguments: [#"5["a"]"#, #"5-["a"]"#, #"51["a"]"#, "51", "5", #"6/a,1-[]"#, #"51234567890-["a"]"#])
    func missingOrBadAttachmentCount(wire: String) {
        #expect(socketIOError(bytes(wire)) == .invalidAttachmentCount)
    }

    @Test(arguments: ["0/a\u{1},", "0/a\u{7F},", "0/a\u{1}"])
    func malformedNamespace(wire: String) {
        #expect(socketIOError(bytes(wire)) == .invalidNamespace)
    }

    @Test func namespaceWithInvalidUTF8() {
        #expect(socketIOError(bytes("0/a") + [0xC3, 0x28] + bytes(",")) == .invalidNamespace)
    }

    @Test(arguments: [#"21234567890["a"]"#, "30000000000[]", "3[]", "3/admin,[]"])
    func badOrMissingAckId(wire: String) {
        #expect(socketIOError(bytes(wire)) == .invalidAckId)
    }

    @Test(arguments: [#"2["a""#, #"2["a"]x"#, "2[1,]", "0{", "2/admin,1x", "3/a,1[", "0" + "\"\u{1}\""])
    func invalidJSON(wire: String) {
        guard case .invalidJSON? = socketIOError(bytes(wire)) else {
            Issue.record("expected invalidJSON for \(wire.debugDescription)")
            return
        }
    }

    @Test(arguments: [
        "2", "2[]", "2[1]", #"2{"a":1}"#, #"2"a""#, "2[null]", #"2/a,5[["x"]]"#,
        #"2["connect"]"#, #"2["disconnect",1]"#, #"2["connect_error"]"#, #"2["disconnecting"]"#,
        #"2["newListener"]"#, #"2["removeListener"]"#, #"51-["disconnect"]"#, "51-[]",
        "0[]", #"0"token""#, "0null", "0 1",
        "1{}", "1[]", "1/admin,null",
        "4[]", "4null", "4true",
        "31{}", "31", #"61-1"a""#,
    ])
    func payloadNotAllowedForType(wire: String) {
        guard case .invalidPayload? = socketIOError(bytes(wire)) else {
            Issue.record("expected invalidPayload for \(wire.debugDescription), got \(String(describing: socketIOError(bytes(wire))))")
            return
        }
    }

    @Test func depthLimitApplies() {
        let deep = "2[\"a\"," + String(repeating: "[", count: 40) + String(repeating: "]", count: 40) + "]"
        guard case .invalidJSON(let error)? = socketIOError(bytes(deep)) else {
            Issue.record("expected invalidJSON")
            return
        }
        #expect(error.message == "maximum nesting depth exceeded")
        #expect(throws: Never.self) { try SocketIOCodec.decode(bytes(deep), maxDepth: 64) }
    }

    @Test func descriptionsAreSentences() {
        let errors: [ProtocolError] = [
            .empty, .unknownEngineIOType(0x62), .unknownSocketIOType(0x80), .invalidAttachmentCount,
            .invalidNamespace, .invalidAckId, .invalidJSON(JSONError(message: "bad", offset: 1)),
            .invalidPayload("EVENT data must be an array"), .binaryNotSupported,
        ]
        for error in errors {
            #expect(error.description.hasSuffix("."))
            #expect(error.description.first?.isUppercase == true)
        }
        #expect(ProtocolError.unknownEngineIOType(0x62).description == "Unknown Engine.IO packet type 'b'.")
        #expect(ProtocolError.unknownSocketIOType(0x80).description == "Unknown Socket.IO packet type 0x80.")
        #expect(ProtocolError.unknownSocketIOType(0x0A).description == "Unknown Socket.IO packet type 0x0A.")
        #expect(
            ProtocolError.invalidJSON(JSONError(message: "bad", offset: 1)).description
                == "The packet payload is not valid JSON: bad at byte 1.")
    }
}
