import Logging
import NIOCore
import NIOWebSocket
import RealtimeCore
import SocketIOProtocol

/// One client's Engine.IO/Socket.IO conversation on one WebSocket. The socket's NIO
/// handler (WebSocketSessionHandler) hands in complete messages on the event loop;
/// they wait in the inbox and a task started for the burst handles them one at a
/// time, in order, then ends. Frames out go through the queue, written on the
/// event loop, and the heartbeat runs on that loop's timers, so an idle connection
/// has no task at all.
/// `@unchecked Sendable`: the mutable session state is touched only by the inbox's
/// drain task, one at a time (`.ended`, and so `cleanUp`, comes last); the rest
/// shares just the queue and the locked inbox.
final class ClientSession: @unchecked Sendable {
    let node: EdgeNode
    let clientAddress: String
    let socketId = RandomID.make()
    let queue: OutboundQueue
    let heartbeat: Heartbeat
    let channel: any Channel
    var logger: Logger
    private let inbox: SessionInbox

    /// Set once CONNECT succeeded.
    var connection: ClientConnection?
    var identity: ClientIdentity?
    var refused = false
    var channels: Set<String> = []

    init(node: EdgeNode, clientAddress: String, channel: any Channel) {
        self.node = node
        self.clientAddress = clientAddress
        let config = node.configuration
        let queue = OutboundQueue(maxFrames: config.limits.maxQueuedFrames, maxBytes: config.limits.maxQueuedBytes)
        self.queue = queue
        self.channel = channel
        self.heartbeat = Heartbeat(loop: channel.eventLoop, interval: config.pingInterval, timeout: config.pingTimeout, queue: queue)
        self.inbox = SessionInbox(channel: channel)
        queue.attach(to: channel)
        var logger = node.logger
        logger[metadataKey: "socket"] = "\(socketId)"
        self.logger = logger
    }

    /// Sends the Engine.IO OPEN and starts the heartbeat. On the channel's event loop.
    func start() {
        let config = node.configuration
        queue.enqueue(ByteBuffer(bytes: EngineIOCodec.encode(.open(EngineIOOpen(
            sid: RandomID.make(),
            upgrades: [],
            pingInterval: config.pingInterval.wholeMilliseconds,
            pingTimeout: config.pingTimeout.wholeMilliseconds,
            maxPayload: config.maxPayload
        )))))
        // When the queue closes (the client left, slow consumer, ping timeout,
        // shutdown, signout) the client is told why once the queued frames are out,
        // bounded by a grace second so a client that stopped reading cannot hold it.
        let queue = self.queue
        let channel = self.channel
        let logger = self.logger
        queue.onClose { reason in
            channel.eventLoop.execute {
                Goodbye.say(reason: reason, queue: queue, channel: channel, logger: logger, grace: .seconds(1))
            }
        }
        heartbeat.start()
    }

    /// A message from the socket, on the event loop. A pong is settled here; the rest
    /// waits its turn in the inbox.
    func received(_ message: SessionInbox.Message) {
        if case .text(let text) = message, text == "3" {
            node.stats.bytesIn.add(1, ordering: .relaxed)
            heartbeat.pongReceived()
            return
        }
        if inbox.put(message) {
            Task { await self.drainInbox() }
        }
    }

    private func drainInbox() async {
        while let message = inbox.next() {
            switch message {
            case .text(let text):
                if queue.closeReason != nil { continue }
                node.stats.bytesIn.add(text.utf8.count, ordering: .relaxed)
                await handleFrame(text)
            case .binary:
                if queue.closeReason != nil { continue }
                // Socket.IO binary attachments arrive as binary frames: not supported.
                sendError(RealtimeError(.invalidPayload, "binary frames are not supported; send JSON text"), event: "binary", ackId: nil)
            case .ended:
                queue.close(.clientClosed)
                heartbeat.stop()
                await cleanUp()
                node.admission.closed()
            }
        }
    }

    private func handleFrame(_ text: String) async {
        let packet: EngineIOPacket
        do {
            packet = try EngineIOCodec.decode(text.utf8)
        } catch {
            if connection != nil {
                sendError(RealtimeError(.invalidPayload, "malformed packet: \(error.description)"), event: "unknown", ackId: nil)
            } else {
                queue.close(.protocolViolation(error.description))
            }
            return
        }
        switch packet {
        case .pong:
            heartbeat.pongReceived()
        case .ping(let payload):
            // Only a polling→websocket upgrade probe pings the server; answer it anyway.
            queue.enqueue(ByteBuffer(bytes: EngineIOCodec.encode(.pong(payload))))
        case .close:
            queue.close(.clientClosed)
        case .message(let socketPacket):
            await handleSocketPacket(socketPacket)
        case .open, .upgrade, .noop:
            break
        }
    }

    private func handleSocketPacket(_ packet: SocketIOPacket) async {
        if refused { return }  // after CONNECT_ERROR no further packets are accepted
        guard packet.namespace == "/" else {
            send(.init(type: .connectError, namespace: packet.namespace, data: .object(["message": "Invalid namespace"])))
            return
        }
        switch packet.type {
        case .connect:
            if connection == nil { await connect(auth: packet.data) }
        case .disconnect:
            queue.close(.clientClosed)
        case .event:
            guard connection != nil else {
                queue.close(.protocolViolation("event before CONNECT"))
                return
            }
            node.stats.messagesIn.add(1, ordering: .relaxed)
            await handleEvent(packet)
        case .binaryEvent, .binaryAck:
            sendError(RealtimeError(.invalidPayload, "binary attachments are not supported; send JSON"), event: packet.eventName ?? "binary", ackId: packet.id)
        case .ack, .connectError:
            break  // the server never asks clients for acks
        }
    }

    func send(_ packet: SocketIOPacket) {
        send(frame: ByteBuffer(bytes: EngineIOCodec.encodeMessage(packet)))
    }

    /// After CONNECT through the connection, which keeps the frame behind deliveries
    /// already on their way to it; before, no delivery can reach the queue.
    private func send(frame: ByteBuffer) {
        if let connection { connection.send(frame) } else { queue.enqueue(frame) }
    }

    /// Reports a failure: in the ack when there is one, else as `realtime:error`.
    func sendError(_ error: RealtimeError, event: String, ackId: Int?) {
        node.stats.errorsSent.add(1, ordering: .relaxed)
        if let ackId {
            send(.ack(id: ackId, [.object(["error": .object(["code": .string(error.code.rawValue), "message": .string(error.message)])])]))
        } else {
            send(frame: EventFrames.error(error, event: event))
        }
    }
}

extension Duration {
    /// Engine.IO advertises its timers in whole milliseconds.
    var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
