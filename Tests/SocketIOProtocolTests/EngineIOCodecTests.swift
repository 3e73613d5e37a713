import Testing

@testable import SocketIOProtocol

/// Examples from the Engine.IO protocol v4 document (WebSocket transport).
@Suite("Engine.IO codec")
struct EngineIOCodecTests {
    static let handshake =
        #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#

    static let examples: [(String, EngineIOPacket)] = [
        (
            handshake,
            .open(
                EngineIOOpen(
                    sid: "lv_VI97HAXpY6yYWAAAC", upgrades: ["websocket"], pingInterval: 25000, pingTimeout: 5000, maxPayload: 1_000_000))
        ),
        ("1", .close),
        ("2", .ping(nil)),
        ("3", .pong(nil)),
        ("2probe", .ping("probe")),
        ("3probe", .pong("probe")),
        ("5", .upgrade),
        ("6", .noop),
        ("40", .message(SocketIOPacket(type: .connect))),
        ("41", .message(.disconnect())),
        (#"42["chat","hi"]"#, .message(.event("chat", ["hi"]))),
        // The Socket.IO document's CONNECT_ERROR `4{"message":"Not authorized"}` in a MESSAGE.
        (#"44{"message":"Not authorized"}"#, .message(.connectError(message: "Not authorized"))),
        (
            #"451-["hello",{"_placeholder":true,"num":0}]"#,
            .message(SocketIOPacket(type: .binaryEvent, attachments: 1, data: ["hello", ["_placeholder": true, "num": 0]]))
        ),
        (#"42/admin,1["ping"]"#, .message(.event("ping", [], id: 1, namespace: "/admin"))),
    ]

    @Test(arguments: examples)
    func decodesExample(wire: String, expected: EngineIOPacket) throws {
        #expect(try EngineIOCodec.decode(bytes(wire)) == expected)
    }

    @Test(arguments: examples)
    func encodesExampleByteForByte(wire: String, packet: EngineIOPacket) {
        #expect(text(EngineIOCodec.encode(packet)) == wire)
    }

    @Test func encodeMessageIsTypeDigitPlusSocketIOEncoding() {
        let packet = SocketIOPacket.event("chat", ["hi", 1], id: 5, namespace: "/room")
        #expect(EngineIOCodec.encodeMessage(packet) == bytes("4") + SocketIOCodec.encode(packet))
        #expect(EngineIOCodec.encode(.message(packet)) == EngineIOCodec.encodeMessage(packet))
    }

    @Test func openDefaultsAndOptionalUpgrades() throws {
        let open = EngineIOOpen(sid: "s")
        #expect(open.upgrades == [])
        #expect(open.pingInterval == 25_000)
        #expect(open.pingTimeout == 20_000)
        #expect(open.maxPayload == 1_000_000)
        #expect(
            text(EngineIOCodec.encode(.open(open)))
                == #"0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}"#)
        let decoded = try EngineIOCodec.decode(bytes(#"0{"sid":"s","pingInterval":1,"pingTimeout":2,"maxPayload":3}"#))
        #expect(decoded == .open(EngineIOOpen(sid: "s", pingInterval: 1, pingTimeout: 2, maxPayload: 3)))
    }

    @Test func openEscapesTheSid() throws {
        let open = EngineIOOpen(sid: "a\"b\\c")
        #expect(try EngineIOCodec.decode(EngineIOCodec.encode(.open(open))) == .open(open))
    }

    @Test func unicodePingPayload() throws {
        #expect(try EngineIOCodec.decode(bytes("2héllo")) == .ping("héllo"))
    }

    @Test func emptyInput() {
        #expect(engineIOError([]) == .empty)
        // A MESSAGE with nothing in it is an empty Socket.IO packet.
        #expect(engineIOError(bytes("4")) == .empty)
    }

    @Test(arguments: [("7", UInt8(ascii: "7")), ("b4AQID", UInt8(ascii: "b")), ("x", UInt8(ascii: "x"))] as [(String, UInt8)])
    func unknownType(wire: String, byte: UInt8) {
        #expect(engineIOError(bytes(wire)) == .unknownEngineIOType(byte))
    }

    @Test func messagePayloadErrorsComeFromTheSocketIOCodec() {
        // The Engine.IO document's plain-text "4hello" is not a Socket.IO packet.
        #expect(engineIOError(bytes("4hello")) == .unknownSocketIOType(UInt8(ascii: "h")))
        #expect(engineIOError(bytes("42")) == .invalidPayload("EVENT data must be an array starting with the event name"))
    }

    @Test(arguments: [
        "1x", "5probe", "6 ", #"0{"sid":1,"pingInterval":1,"pingTimeout":2,"maxPayload":3}"#,
        #"0{"sid":"s","pingInterval":1.5,"pingTimeout":2,"maxPayload":3}"#,
        #"0{"sid":"s","upgrades":[1],"pingInterval":1,"pingTimeout":2,"maxPayload":3}"#,
        #"0{"sid":"s","upgrades":"websocket","pingInterval":1,"pingTimeout":2,"maxPayload":3}"#,
        #"0{"sid":"s","pingInterval":1}"#, "0[]", "0",
    ])
    func malformedControlPackets(wire: String) {
        let error = engineIOError(bytes(wire))
        switch error {
        case .invalidPayload?, .invalidJSON?: break
        default: Issue.record("unexpected \(String(describing: error)) for \(wire.debugDescription)")
        }
    }

    @Test func pingWithInvalidUTF8() {
        #expect(engineIOError(bytes("2") + [0xFF]) == .invalidPayload("PING/PONG data must be valid UTF-8"))
    }
}
