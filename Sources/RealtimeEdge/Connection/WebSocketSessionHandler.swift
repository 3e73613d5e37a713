import NIOCore
import NIOWebSocket

/// Asks the WebSocket handler to end the connection with a close frame (RFC 6455
/// §5.5.1); sent down the pipeline as a user outbound event, from the channel's loop.
struct WebSocketGoodbye: Sendable {
    var code: WebSocketErrorCode
    var reason: String
    /// Text frames to send before the close frame (a Socket.IO DISCONNECT, say).
    var lastWords: [String] = []
    /// Wait for the client's close frame (bounded by the handshake timeout), or end
    /// the socket as soon as ours is handed to the kernel: a client that stopped
    /// reading or answering would only hold the socket for the timeout.
    var waitForReply = true
}

/// The WebSocket end of a client connection, on the channel's event loop: checks
/// each frame against RFC 6455 (masked, no reserved bits, fragments in order, valid
/// UTF-8, close codes), assembles fragmented messages up to the max payload, hands
/// complete text messages to the session, answers pings, and runs the close
/// handshake. NIO's decoder has already refused oversized and malformed frames.
/// Outbound data frames bypass it (OutboundQueue writes below the frame encoder).
final class WebSocketSessionHandler: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    /// How long a client may take to answer our close frame before the socket is closed.
    static let closeHandshakeTimeout = TimeAmount.seconds(5)
    static let maxFragments = 1024

    private let session: ClientSession?
    private let maxMessageSize: Int
    private var closeSent = false
    private var closeTimer: Scheduled<Void>?
    /// The fragments so far of a message whose last frame has not arrived.
    private var partial: (isText: Bool, data: ByteBuffer, fragments: Int)?

    /// `session` nil: a refused socket that only gets its close frame.
    init(session: ClientSession?, maxMessageSize: Int) {
        self.session = session
        self.maxMessageSize = maxMessageSize
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // A client that hung up during the upgrade: no channelInactive will follow.
        if !context.channel.isActive { session?.received(.ended) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if closeSent, frame.opcode != .connectionClose { return }  // §1.4: nothing more after a close
        if let violation = Self.violation(in: frame) {
            return sendClose(context: context, code: .protocolError, reason: violation)
        }
        switch frame.opcode {
        case .text, .binary:
            guard partial == nil else {
                return sendClose(context: context, code: .protocolError, reason: "a new message inside a fragmented one")
            }
            if frame.fin {
                deliver(context: context, isText: frame.opcode == .text, payload: frame.unmaskedData)
            } else {
                partial = (frame.opcode == .text, frame.unmaskedData, 1)
            }
        case .continuation:
            guard var message = partial else {
                return sendClose(context: context, code: .protocolError, reason: "a continuation frame with no message started")
            }
            partial = nil  // the buffer is uniquely referenced while it grows
            guard message.data.readableBytes + frame.length <= maxMessageSize else {
                return sendClose(context: context, code: .messageTooLarge, reason: "message larger than the max payload")
            }
            guard message.fragments < Self.maxFragments else {
                return sendClose(context: context, code: .policyViolation, reason: "too many fragments")
            }
            var payload = frame.unmaskedData
            message.data.writeBuffer(&payload)
            message.fragments += 1
            if frame.fin {
                deliver(context: context, isText: message.isText, payload: message.data)
            } else {
                partial = message
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            receivedClose(context: context, frame: frame)
        case .pong:
            break
        default:
            sendClose(context: context, code: .protocolError, reason: "unknown opcode")
        }
    }

    /// What makes a client frame invalid whatever its opcode (§5.1, §5.2, §5.5).
    private static func violation(in frame: WebSocketFrame) -> String? {
        if frame.maskKey == nil { return "client frames must be masked" }
        if frame.rsv1 || frame.rsv2 || frame.rsv3 { return "reserved bits set with no extension negotiated" }
        return nil
    }

    private func deliver(context: ChannelHandlerContext, isText: Bool, payload: ByteBuffer) {
        guard isText else {
            session?.received(.binary)
            return
        }
        guard let text = String(validating: payload.readableBytesView, as: UTF8.self) else {
            return sendClose(context: context, code: .dataInconsistentWithMessage, reason: "invalid UTF-8 in a text message")
        }
        session?.received(.text(text))
    }

    /// Answers the client's close with its own code (§5.5.1), or ends a handshake we began.
    private func receivedClose(context: ChannelHandlerContext, frame: WebSocketFrame) {
        if closeSent {
            context.close(promise: nil)
            return
        }
        var body = frame.unmaskedData
        var answer = WebSocketErrorCode.normalClosure
        switch body.readableBytes {
        case 0:
            break
        case 1:
            answer = .protocolError
        default:
            let code = body.readInteger(as: UInt16.self) ?? 0
            let reasonIsText = String(validating: body.readableBytesView, as: UTF8.self) != nil
            if !Self.isValidCloseCode(code) {
                answer = .protocolError
            } else if !reasonIsText {
                answer = .dataInconsistentWithMessage
            } else {
                answer = WebSocketErrorCode(codeNumber: Int(code))
            }
        }
        writeClose(context: context, code: answer, reason: "").assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// Codes a peer may send (§7.4.1, §7.4.2): 1004-1006 and 1015 are reserved.
    private static func isValidCloseCode(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let goodbye = event as? WebSocketGoodbye else {
            context.triggerUserOutboundEvent(event, promise: promise)
            return
        }
        for words in goodbye.lastWords where !closeSent {
            context.write(
                wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(string: words))),
                promise: nil)
        }
        sendClose(context: context, code: goodbye.code, reason: goodbye.reason)
        if !goodbye.waitForReply { context.close(promise: nil) }
        promise?.succeed()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // NIO's WebSocketProtocolErrorHandler answers decoder errors (oversized or
        // malformed frames) with a close frame and closes once it is written.
        if error is NIOWebSocketError { return }
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)  // the client half-closed: nothing more will come
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { session?.queue.channelBecameWritable() }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeTimer?.cancel()
        closeTimer = nil
        session?.received(.ended)
        context.fireChannelInactive()
    }

    /// Starts the closing handshake: our close frame, then the socket closes when the
    /// client answers or after `closeHandshakeTimeout`.
    private func sendClose(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) {
        guard !closeSent, context.channel.isActive else { return }
        writeClose(context: context, code: code, reason: reason).assumeIsolated().whenFailure { _ in context.close(promise: nil) }
        closeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: Self.closeHandshakeTimeout) {
            context.close(promise: nil)
        }
    }

    private func writeClose(context: ChannelHandlerContext, code: WebSocketErrorCode, reason: String) -> EventLoopFuture<Void> {
        closeSent = true
        var body = context.channel.allocator.buffer(capacity: 2 + reason.utf8.count)
        body.write(webSocketErrorCode: code)
        body.writeString(String(reason.utf8.prefix(123)) ?? "")  // a control frame carries at most 125 bytes
        return context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .connectionClose, data: body)))
    }
}
