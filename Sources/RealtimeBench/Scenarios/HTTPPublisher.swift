import NIOCore
import NIOHTTP1
import NIOPosix
import SocketIOClient
import SocketIOProtocol

/// A publisher on the server API: one kept-alive HTTP/1.1 connection, open loop at
/// a fixed rate, requests pipelined (HTTP/1.1 allows it; the edge answers them in
/// order), each `POST /api/v1/channels/{channel}/messages` with a stamped message.
/// Confined to its event loop.
final class HTTPPublisherState: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let index: Int
    private let rate: Double
    private let head: HTTPRequestHead
    private let bodyHead: [UInt8]
    private let bodyTail: [UInt8]
    private var context: ChannelHandlerContext?
    private var startNanos: UInt64 = 0
    private var stopNanos: UInt64 = 0
    private var sequence = 0
    private(set) var sent = 0
    private(set) var acked = 0
    private(set) var failed = 0

    init(index: Int, host: String, port: Int, channel: String, masterKey: String, size: Int, rate: Double) {
        self.index = index
        self.rate = rate
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Authorization", value: "Bearer \(masterKey)")
        headers.add(name: "Content-Type", value: "application/json")
        let path = "/api/v1/channels/" + (channel.addingPercentEncodingForPath()) + "/messages"
        self.head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path, headers: headers)
        bodyHead = Array(#"{"eventName":"bench","message":{"rtb":""#.utf8)
        let padding = max(0, size - 48)
        bodyTail =
            Array("\"".utf8)
            + (padding > 0 ? Array(#","pad":""#.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: padding) + Array("\"".utf8) : [])
            + Array("}}".utf8)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let response) = unwrapInboundIn(data) {
            if response.status == .accepted { acked += 1 } else { failed += 1 }
        }
    }

    func start(at start: UInt64, stop: UInt64) {
        startNanos = start
        stopNanos = stop
        context?.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(start)) { self.tick() }
    }

    private func tick() {
        guard let context else { return }
        let now = monotonicNanos()
        if now >= stopNanos { return }
        let nanosPerMessage = 1e9 / rate
        let due = Int(Double(now - startNanos) / nanosPerMessage) + 1
        while sent < due {
            sendOne(context: context, stamp: startNanos + UInt64(Double(sent) * nanosPerMessage))
        }
        context.flush()
        let next = startNanos + UInt64(Double(sent) * nanosPerMessage)
        context.eventLoop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(max(next, now + 20_000))) { self.tick() }
    }

    private func sendOne(context: ChannelHandlerContext, stamp: UInt64) {
        var body = context.channel.allocator.buffer(capacity: bodyHead.count + bodyTail.count + 40)
        body.writeBytes(bodyHead)
        body.writeDecimal(UInt64(index))
        body.writeInteger(UInt8(ascii: "."))
        body.writeDecimal(UInt64(sequence))
        body.writeInteger(UInt8(ascii: "."))
        body.writeDecimal(stamp)
        body.writeBytes(bodyTail)
        sequence += 1
        sent += 1
        var head = self.head
        head.headers.add(name: "Content-Length", value: "\(body.readableBytes)")
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
    }

    var snapshot: PublisherSnapshot { PublisherSnapshot(sent: sent, acked: acked, failed: failed, okPerTarget: [acked]) }
}

struct HTTPPublisher: LoadPublisher {
    let index: Int
    let channel: any Channel
    let state: NIOLoopBound<HTTPPublisherState>

    static func connect(
        index: Int, host: String, port: Int, on loop: any EventLoop, channel name: String, masterKey: String, size: Int, rate: Double
    ) async throws -> HTTPPublisher {
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPPublisherState(
                            index: index, host: host, port: port, channel: name, masterKey: masterKey, size: size, rate: rate))
                }
            }
            .connect(host: host, port: port).get()
        let state = try await loop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: HTTPPublisherState.self), eventLoop: loop)
        }.get()
        return HTTPPublisher(index: index, channel: channel, state: state)
    }

    func start(at start: UInt64, stop: UInt64) {
        let state = self.state
        state.eventLoop.execute { state.value.start(at: start, stop: stop) }
    }

    func snapshot() async throws -> PublisherSnapshot {
        let state = self.state
        return try await state.eventLoop.submit { state.value.snapshot }.get()
    }

    func outstanding() async throws -> Int {
        let state = self.state
        return try await state.eventLoop.submit { state.value.sent - state.value.acked - state.value.failed }.get()
    }

    func close() async { try? await channel.close().get() }
}

extension String {
    /// Percent-encodes everything but unreserved characters: a channel as one path segment.
    func addingPercentEncodingForPath() -> String {
        var out = ""
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded()
            }
        }
        return out
    }

    fileprivate func leftPadded() -> String { count == 1 ? "0" + self : self }
}
