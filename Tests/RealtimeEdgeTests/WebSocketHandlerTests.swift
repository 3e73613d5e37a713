import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import RealtimeEdge

/// WebSocketSessionHandler's RFC 6455 checks, driven frame by frame on an
/// EmbeddedChannel (no session: a refused socket runs the same checks).
@Suite("WebSocketSessionHandler")
struct WebSocketHandlerTests {
    static let maxMessageSize = 100
    static let maskKey: WebSocketMaskingKey = [0x11, 0x22, 0x33, 0x44]

    /// A connected channel holding only the handler; outbound frames stay readable.
    private func makeChannel(maxMessageSize: Int = Self.maxMessageSize) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: WebSocketSessionHandler(session: nil, maxMessageSize: maxMessageSize))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    /// A client frame: masked unless told otherwise, as RFC 6455 §5.3 requires.
    private func frame(
        _ opcode: WebSocketOpcode, _ payload: [UInt8] = [], fin: Bool = true, masked: Bool = true,
        rsv1: Bool = false, rsv2: Bool = false, rsv3: Bool = false
    ) -> WebSocketFrame {
        var data = ByteBuffer(bytes: payload)
        let key: WebSocketMaskingKey? = masked ? Self.maskKey : nil
        if let key { data.webSocketMask(key) }
        return WebSocketFrame(fin: fin, rsv1: rsv1, rsv2: rsv2, rsv3: rsv3, opcode: opcode, maskKey: key, data: data)
    }

    private func text(_ string: String, fin: Bool = true) -> WebSocketFrame { frame(.text, Array(string.utf8), fin: fin) }

    private func closeFrame(code: UInt16, reason: [UInt8] = []) -> WebSocketFrame {
        frame(.connectionClose, [UInt8(code >> 8), UInt8(code & 0xFF)] + reason)
    }

    /// The next frame the handler wrote, if any.
    private func nextOutbound(_ channel: EmbeddedChannel) throws -> WebSocketFrame? {
        try channel.readOutbound(as: WebSocketFrame.self)
    }

    /// The code and reason of the next outbound frame, which must be a close frame.
    private func nextClose(_ channel: EmbeddedChannel, sourceLocation: SourceLocation = #_sourceLocation) throws -> (
        code: UInt16, reason: String
    )? {
        guard let out = try nextOutbound(channel) else {
            Issue.record("no frame was written", sourceLocation: sourceLocation)
            return nil
        }
        #expect(out.opcode == .connectionClose, sourceLocation: sourceLocation)
        #expect(out.fin, sourceLocation: sourceLocation)
        #expect(out.maskKey == nil, "server frames are never masked", sourceLocation: sourceLocation)
        var body = out.unmaskedData
        guard let code = body.readInteger(as: UInt16.self) else {
            Issue.record("close frame without a code", sourceLocation: sourceLocation)
            return nil
        }
        return (code, body.readString(length: body.readableBytes) ?? "")
    }

    private func finish(_ channel: EmbeddedChannel) {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: Frame-level violations (§5.1, §5.2)

    @Test("an unmasked client frame is answered with close 1002")
    func unmaskedFrameIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, Array("hi".utf8), masked: false))
        let close = try nextClose(channel)
        #expect(close?.code == 1002)
        #expect(close?.reason == "client frames must be masked")
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("an unmasked control frame is a protocol error too, not answered with a pong")
    func unmaskedPingIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.ping, [1, 2], masked: false))
        #expect(try nextClose(channel)?.code == 1002)
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("any reserved bit set without an extension is answered with close 1002", arguments: [1, 2, 3])
    func reservedBitIsProtocolError(bit: Int) throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, Array("hi".utf8), rsv1: bit == 1, rsv2: bit == 2, rsv3: bit == 3))
        let close = try nextClose(channel)
        #expect(close?.code == 1002)
        #expect(close?.reason == "reserved bits set with no extension negotiated")
    }

    @Test("a reserved data opcode is answered with close 1002")
    func unknownOpcodeIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let reserved = try #require(WebSocketOpcode(encodedWebSocketOpcode: 0x3))
        try channel.writeInbound(frame(reserved, [0x61]))
        let close = try nextClose(channel)
        #expect(close?.code == 1002)
        #expect(close?.reason == "unknown opcode")
    }

    // MARK: Fragmentation (§5.4)

    @Test("a continuation frame with no message started is answered with close 1002")
    func continuationWithoutStartIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.continuation, Array("x".utf8)))
        let close = try nextClose(channel)
        #expect(close?.code == 1002)
        #expect(close?.reason == "a continuation frame with no message started")
    }

    @Test("a continuation after a complete message is answered with close 1002")
    func continuationAfterFinishedMessageIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text("a", fin: false))
        try channel.writeInbound(frame(.continuation, Array("b".utf8), fin: true))
        #expect(try nextOutbound(channel) == nil)
        try channel.writeInbound(frame(.continuation, Array("c".utf8), fin: true))
        #expect(try nextClose(channel)?.code == 1002)
    }

    @Test("a new data frame inside a fragmented message is answered with close 1002", arguments: [WebSocketOpcode.text, .binary])
    func newMessageInsideFragmentedIsProtocolError(opcode: WebSocketOpcode) throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text("part", fin: false))
        try channel.writeInbound(frame(opcode, Array("new".utf8)))
        let close = try nextClose(channel)
        #expect(close?.code == 1002)
        #expect(close?.reason == "a new message inside a fragmented one")
    }

    @Test("a well-formed fragmented message is accepted with no frame written back")
    func fragmentedMessageAccepted() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text("hel", fin: false))
        try channel.writeInbound(frame(.continuation, Array("l".utf8), fin: false))
        try channel.writeInbound(frame(.continuation, Array("o".utf8), fin: true))
        // A following message is a new one, not "inside" the finished one.
        try channel.writeInbound(text("next"))
        #expect(try nextOutbound(channel) == nil)
        #expect(channel.isActive)
    }

    @Test("a fragmented message past the max payload is answered with close 1009")
    func fragmentedMessageTooLarge() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text(String(repeating: "a", count: 60), fin: false))
        try channel.writeInbound(frame(.continuation, Array(repeating: 0x61, count: 40), fin: false))
        #expect(try nextOutbound(channel) == nil)  // exactly the max so far
        try channel.writeInbound(frame(.continuation, [0x61], fin: true))
        let close = try nextClose(channel)
        #expect(close?.code == 1009)
        #expect(close?.reason == "message larger than the max payload")
    }

    @Test("a fragmented message of exactly the max payload is accepted")
    func fragmentedMessageAtMaxSizeAccepted() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text(String(repeating: "a", count: 50), fin: false))
        try channel.writeInbound(frame(.continuation, Array(repeating: 0x61, count: 50), fin: true))
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("a message in exactly maxFragments frames is accepted")
    func maxFragmentsAccepted() throws {
        let channel = try makeChannel(maxMessageSize: 1 << 20)
        defer { finish(channel) }
        try channel.writeInbound(text("a", fin: false))
        for index in 2...WebSocketSessionHandler.maxFragments {
            try channel.writeInbound(frame(.continuation, [0x61], fin: index == WebSocketSessionHandler.maxFragments))
        }
        #expect(try nextOutbound(channel) == nil)
        #expect(channel.isActive)
    }

    @Test("one fragment more than maxFragments is answered with close 1008")
    func tooManyFragments() throws {
        let channel = try makeChannel(maxMessageSize: 1 << 20)
        defer { finish(channel) }
        try channel.writeInbound(text("a", fin: false))
        for _ in 2...WebSocketSessionHandler.maxFragments {
            try channel.writeInbound(frame(.continuation, [0x61], fin: false))
        }
        #expect(try nextOutbound(channel) == nil)
        try channel.writeInbound(frame(.continuation, [0x61], fin: true))
        let close = try nextClose(channel)
        #expect(close?.code == 1008)
        #expect(close?.reason == "too many fragments")
    }

    // MARK: UTF-8 (§8.1)

    @Test("a text message with invalid UTF-8 is answered with close 1007")
    func invalidUTF8TextIs1007() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, [0x68, 0xC3, 0x28]))
        let close = try nextClose(channel)
        #expect(close?.code == 1007)
        #expect(close?.reason == "invalid UTF-8 in a text message")
    }

    @Test("invalid UTF-8 across fragments is answered with close 1007 when the message completes")
    func invalidUTF8AcrossFragmentsIs1007() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, [0x68, 0xE2], fin: false))
        try channel.writeInbound(frame(.continuation, [0x82], fin: false))
        #expect(try nextOutbound(channel) == nil)
        try channel.writeInbound(frame(.continuation, [0x41], fin: true))  // not the 3rd byte of €
        #expect(try nextClose(channel)?.code == 1007)
    }

    @Test("a multi-byte character split across fragments is valid UTF-8")
    func characterSplitAcrossFragmentsAccepted() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        try channel.writeInbound(frame(.text, [0x61, euro[0]], fin: false))
        try channel.writeInbound(frame(.continuation, [euro[1]], fin: false))
        try channel.writeInbound(frame(.continuation, [euro[2]], fin: true))
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("a binary message is not checked for UTF-8")
    func binaryNotCheckedForUTF8() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.binary, [0xFF, 0xFE, 0xC3]))
        #expect(try nextOutbound(channel) == nil)
    }

    // MARK: Control frames (§5.5)

    @Test("a ping is answered with an unmasked pong carrying the same payload")
    func pingAnsweredWithPong() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.ping, [1, 2, 3, 250]))
        let pong = try #require(try nextOutbound(channel))
        #expect(pong.opcode == .pong)
        #expect(pong.fin)
        #expect(pong.maskKey == nil)
        #expect(Array(pong.unmaskedData.readableBytesView) == [1, 2, 3, 250])
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("a ping between fragments is answered and the message still completes")
    func pingInsideFragmentedMessage() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(text("ab", fin: false))
        try channel.writeInbound(frame(.ping, [9]))
        try channel.writeInbound(frame(.continuation, Array("c".utf8), fin: true))
        let pong = try #require(try nextOutbound(channel))
        #expect(pong.opcode == .pong)
        #expect(Array(pong.unmaskedData.readableBytesView) == [9])
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("an unsolicited pong is ignored")
    func pongIgnored() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.pong, [1]))
        #expect(try nextOutbound(channel) == nil)
        #expect(channel.isActive)
    }

    // MARK: Closing handshake (§5.5.1, §7.4)

    @Test("a valid client close code is echoed and the socket closes", arguments: [UInt16(1000), 1001, 1003, 1007, 1011, 1014, 3000, 4999])
    func clientCloseCodeEchoed(code: UInt16) throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(closeFrame(code: code, reason: Array("bye".utf8)))
        let close = try nextClose(channel)
        #expect(close?.code == code)
        #expect(close?.reason == "")
        #expect(!channel.isActive)
    }

    @Test("a client close with no body is answered with 1000")
    func emptyCloseAnsweredNormal() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.connectionClose, []))
        #expect(try nextClose(channel)?.code == 1000)
        #expect(!channel.isActive)
    }

    @Test("a client close with a one-byte body is answered with 1002")
    func oneByteCloseBodyIsProtocolError() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.connectionClose, [0x03]))
        #expect(try nextClose(channel)?.code == 1002)
        #expect(!channel.isActive)
    }

    @Test(
        "a close code a peer may not send is answered with 1002",
        arguments: [UInt16(0), 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535])
    func invalidCloseCodeIsProtocolError(code: UInt16) throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(closeFrame(code: code))
        #expect(try nextClose(channel)?.code == 1002)
        #expect(!channel.isActive)
    }

    @Test("a client close whose reason is invalid UTF-8 is answered with 1007")
    func closeReasonInvalidUTF8Is1007() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(closeFrame(code: 1000, reason: [0xC3, 0x28]))
        #expect(try nextClose(channel)?.code == 1007)
    }

    @Test("after the server's close frame, data and pings are ignored and no second close is sent")
    func nothingProcessedAfterClose() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.continuation, [0x61]))  // violation: our close goes out
        #expect(try nextClose(channel)?.code == 1002)
        try channel.writeInbound(frame(.ping, [1]))
        try channel.writeInbound(text("ignored"))
        try channel.writeInbound(frame(.text, [0xFF]))
        try channel.writeInbound(frame(.text, [0x61], masked: false))
        try channel.writeInbound(frame(.continuation, [0x61]))
        #expect(try nextOutbound(channel) == nil)
        #expect(channel.isActive, "waiting for the client's close")
    }

    @Test("the client's answer to our close ends the socket without another close frame")
    func clientReplyToOurCloseEndsSocket() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, [0xFF]))
        #expect(try nextClose(channel)?.code == 1007)
        #expect(channel.isActive)
        try channel.writeInbound(closeFrame(code: 1000))
        #expect(!channel.isActive)
        #expect(try nextOutbound(channel) == nil)
    }

    @Test("a client that never answers our close is cut off after the handshake timeout, not before")
    func closeHandshakeTimeout() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(frame(.text, [0x61], masked: false))
        #expect(try nextClose(channel)?.code == 1002)
        channel.embeddedEventLoop.advanceTime(by: WebSocketSessionHandler.closeHandshakeTimeout - .milliseconds(1))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test("after answering the client's close, further frames get no reply")
    func nothingAfterClientClose() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        try channel.writeInbound(closeFrame(code: 1000))
        #expect(try nextClose(channel)?.code == 1000)
        _ = try? channel.writeInbound(frame(.ping, [1]))
        #expect(try nextOutbound(channel) == nil)
    }

    // MARK: Server-initiated goodbye

    @Test("a goodbye writes its last words, then a close frame with its code and reason")
    func goodbyeSendsLastWordsThenClose() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let goodbye = WebSocketGoodbye(code: .goingAway, reason: "server shutting down", lastWords: ["41", "1"])
        channel.pipeline.triggerUserOutboundEvent(goodbye, promise: nil)
        for expected in ["41", "1"] {
            let words = try #require(try nextOutbound(channel))
            #expect(words.opcode == .text)
            #expect(String(buffer: words.unmaskedData) == expected)
        }
        let close = try nextClose(channel)
        #expect(close?.code == 1001)
        #expect(close?.reason == "server shutting down")
        #expect(channel.isActive, "waits for the client's reply")
    }

    @Test("a goodbye that does not wait for the reply closes the socket at once")
    func goodbyeWithoutWaitingCloses() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        channel.pipeline.triggerUserOutboundEvent(
            WebSocketGoodbye(code: .policyViolation, reason: "slow", waitForReply: false), promise: nil)
        #expect(try nextClose(channel)?.code == 1008)
        #expect(!channel.isActive)
    }

    @Test("a close reason longer than a control frame allows is cut to 123 bytes")
    func longGoodbyeReasonTruncated() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        channel.pipeline.triggerUserOutboundEvent(
            WebSocketGoodbye(code: .normalClosure, reason: String(repeating: "r", count: 300)), promise: nil)
        let close = try nextClose(channel)
        #expect(close?.reason.utf8.count == 123)
    }

    @Test("a second goodbye after the close frame writes nothing")
    func secondGoodbyeIgnored() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        channel.pipeline.triggerUserOutboundEvent(WebSocketGoodbye(code: .goingAway, reason: "a"), promise: nil)
        #expect(try nextClose(channel)?.code == 1001)
        channel.pipeline.triggerUserOutboundEvent(WebSocketGoodbye(code: .goingAway, reason: "b", lastWords: ["x"]), promise: nil)
        #expect(try nextOutbound(channel) == nil)
    }
}
