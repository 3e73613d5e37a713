import NIOCore
import NIOWebSocket
import SocketIOProtocol

/// What a scenario plugs into a connection to see its traffic. Called on the
/// connection's event loop only, so implementations need no locks.
public protocol SocketEventReceiver: AnyObject {
    /// A Socket.IO EVENT (`42…`) arrived; `frame` is the whole Engine.IO text.
    func received(event frame: ByteBuffer, at now: UInt64)
    /// An ack that no `request` waits for (fire-and-forget publishes).
    func receivedAck(id: Int, ok: Bool, at now: UInt64)
    /// The server ended the session on purpose (Socket.IO DISCONNECT `41` or
    /// Engine.IO CLOSE): a client should not reconnect on its own.
    func receivedServerDisconnect()
    /// The connection ended.
    func closed()
}

extension SocketEventReceiver {
    public func receivedAck(id: Int, ok: Bool, at now: UInt64) {}
    public func receivedServerDisconnect() {}
    public func closed() {}
}

/// The Engine.IO / Socket.IO client end of one WebSocket, written for throughput:
/// it answers the handshake and pings, resolves acks, and hands events to its
/// receiver as raw bytes (no JSON decoding on the delivery path).
public final class SocketIOClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    public typealias InboundIn = WebSocketFrame
    public typealias OutboundOut = WebSocketFrame

    private let connectPacket: ByteBuffer
    private let connected: EventLoopPromise<ConnectReply>
    private var pending: [Int: EventLoopPromise<ByteBuffer>] = [:]
    private var nextAckId = 1
    private var random: FastRandom
    private var fragments: ByteBuffer?
    private var context: ChannelHandlerContext?
    private var closing = false
    public var receiver: (any SocketEventReceiver)?

    /// `auth` is the Socket.IO CONNECT payload, e.g. `{"echoMessages":false}`.
    init(auth: JSONValue?, connected: EventLoopPromise<ConnectReply>, receiver: (any SocketEventReceiver)?, seed: UInt64) {
        var packet: [UInt8] = Array("40".utf8)
        auth?.serialize(into: &packet)
        self.connectPacket = ByteBuffer(bytes: packet)
        self.connected = connected
        self.receiver = receiver
        self.random = FastRandom(seed: seed)
    }

    public func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    public func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    // MARK: Inbound

    public func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            if frame.fin {
                handle(text: frame.unmaskedData)
            } else {
                fragments = frame.unmaskedData
            }
        case .continuation:
            guard var partial = fragments else { return }
            var data = frame.unmaskedData
            partial.writeBuffer(&data)
            if frame.fin {
                fragments = nil
                handle(text: partial)
            } else {
                fragments = partial
            }
        case .ping:
            write(WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(using: &random), data: frame.unmaskedData), flush: true)
        case .connectionClose:
            closeWebSocket(context: context)
        default:
            break  // binary and pong frames mean nothing to this client
        }
    }

    private func handle(text: ByteBuffer) {
        guard let type = text.getInteger(at: text.readerIndex, as: UInt8.self) else { return }
        switch type {
        case UInt8(ascii: "4"):
            handleSocketIO(text)
        case UInt8(ascii: "2"):
            // Engine.IO ping: answer at once, whatever else is queued.
            writeText(ByteBuffer(string: "3"), flush: true)
        case UInt8(ascii: "0"):
            writeText(connectPacket, flush: true)
        case UInt8(ascii: "1"):
            receiver?.receivedServerDisconnect()
            context.map(closeWebSocket)
        default:
            break
        }
    }

    private func handleSocketIO(_ text: ByteBuffer) {
        guard let type = text.getInteger(at: text.readerIndex + 1, as: UInt8.self) else { return }
        switch type {
        case UInt8(ascii: "2"):
            receiver?.received(event: text, at: monotonicNanos())
        case UInt8(ascii: "3"):
            handleAck(text)
        case UInt8(ascii: "0"):
            var body = text
            body.moveReaderIndex(forwardBy: 2)
            if let json = try? JSONValue.parse(body.readableBytesView), let sid = json["sid"]?.stringValue {
                connected.succeed(ConnectReply(sid: sid, pid: json["pid"]?.stringValue))
            } else {
                connected.fail(SocketIOClientError("malformed CONNECT reply: \(String(buffer: text))"))
            }
        case UInt8(ascii: "4"):
            var body = text
            body.moveReaderIndex(forwardBy: 2)
            connected.fail(
                SocketIOClientError(
                    "connection refused: \(String(buffer: body))", connectError: try? JSONValue.parse(body.readableBytesView)))
            context.map(closeWebSocket)
        case UInt8(ascii: "1"):
            receiver?.receivedServerDisconnect()
            context.map(closeWebSocket)
        default:
            break
        }
    }

    private func handleAck(_ text: ByteBuffer) {
        var body = text
        body.moveReaderIndex(forwardBy: 2)
        var id = 0
        while let byte = body.getInteger(at: body.readerIndex, as: UInt8.self), byte >= 48, byte <= 57 {
            id = id * 10 + Int(byte - 48)
            body.moveReaderIndex(forwardBy: 1)
        }
        if let promise = pending.removeValue(forKey: id) {
            promise.succeed(body)
        } else {
            receiver?.receivedAck(id: id, ok: Self.isOK(body), at: monotonicNanos())
        }
    }

    /// `[{"ok":true}]` without parsing: anything else (an error object) is a failure.
    private static func isOK(_ body: ByteBuffer) -> Bool {
        let ok: StaticString = #"[{"ok":true}]"#
        guard body.readableBytes == ok.utf8CodeUnitCount else { return false }
        return body.withUnsafeReadableBytes { bytes in
            ok.withUTF8Buffer { expected in bytes.elementsEqual(expected) }
        }
    }

    public func channelInactive(context: ChannelHandlerContext) {
        connected.fail(SocketIOClientError("connection closed before the Socket.IO handshake finished"))
        let waiting = pending
        pending.removeAll()
        for promise in waiting.values { promise.fail(SocketIOClientError("connection closed")) }
        receiver?.closed()
        context.fireChannelInactive()
    }

    public func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connected.fail(error)
        context.close(promise: nil)
    }

    private func closeWebSocket(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        var body = context.channel.allocator.buffer(capacity: 2)
        body.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(using: &random), data: body)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(frame)).whenComplete { _ in channel.close(promise: nil) }
    }

    // MARK: Outbound (on the event loop)

    public var allocator: ByteBufferAllocator { context?.channel.allocator ?? ByteBufferAllocator() }

    /// Writes one Engine.IO text frame; pass `flush: false` to batch several.
    public func writeText(_ text: ByteBuffer, flush: Bool) {
        write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(using: &random), data: text), flush: flush)
    }

    public func flush() {
        context?.flush()
    }

    private func write(_ frame: WebSocketFrame, flush: Bool) {
        guard let context, !closing else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        if flush { context.flush() }
    }

    /// A fresh ack id for a fire-and-forget event whose ack goes to the receiver.
    public func takeAckId() -> Int {
        defer { nextAckId = nextAckId >= 999_999_999 ? 1 : nextAckId + 1 }
        return nextAckId
    }

    /// Sends `42<id>["event",payload]` and completes with the ack's raw `[…]` text;
    /// fails if no ack comes within `timeout` (the late ack is then ignored).
    public func request(_ event: String, _ payload: JSONValue, timeout: TimeAmount? = nil) -> EventLoopFuture<ByteBuffer> {
        guard let context, !closing else {
            return connected.futureResult.eventLoop.makeFailedFuture(SocketIOClientError("connection closed"))
        }
        let id = takeAckId()
        let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
        pending[id] = promise
        if let timeout {
            let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
            let expiry = context.eventLoop.scheduleTask(in: timeout) {
                handler.value.pending.removeValue(forKey: id)?.fail(
                    SocketIOClientError("no ack for \(event) within \(timeout)", timedOut: true))
            }
            promise.futureResult.whenComplete { _ in expiry.cancel() }
        }
        writeText(ByteBuffer(bytes: EngineIOCodec.encodeMessage(.event(event, [payload], id: id))), flush: true)
        return promise.futureResult
    }

    /// Starts an orderly close: a WebSocket close frame, then the TCP close.
    public func close() {
        guard let context else { return }
        closeWebSocket(context: context)
    }
}
