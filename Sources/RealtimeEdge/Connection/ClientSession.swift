import Logging
import NIOCore
import NIOWebSocket
import RealtimeCore
import SocketIOProtocol

/// One client's Engine.IO/Socket.IO conversation on one WebSocket.
///
/// Isolation, in one sentence: a session is an actor, so its state changes only inside
/// it, one message at a time, while the socket's event loop reaches it only through the
/// inbox (locked) and the outbound queue (loop-confined).
///
/// The socket's NIO handler (WebSocketSessionHandler) hands in complete messages on
/// the loop; they wait in the inbox and a task started for the burst handles them one
/// at a time, in order, on the actor, then ends. Frames out go through the queue,
/// written on the loop, and the pings run on the loop's timers, so an idle connection
/// has no task. (The actor runs on Swift's cooperative pool, not on the socket's loop:
/// measured, running it on the loop cost a fifth of the publish-and-ack throughput,
/// since every session's work then queued behind that loop's I/O.)
actor ClientSession {
    nonisolated let services: SessionServices
    nonisolated let clientAddress: String
    /// The Socket.IO socket id; a recovered session takes its old one back.
    var socketId = RandomID.make()
    nonisolated let queue: OutboundQueue
    nonisolated let pings: PingSchedule
    /// The WebSocket's NIO channel (not to be confused with `channels`, the joined ones).
    nonisolated let socket: any Channel
    private nonisolated let inbox: SessionInbox
    /// This session's publishes, pipelined in event order (see ClientSession+Pipeline).
    let lane: any PublishLane
    let window = EventWindow()
    var logger: Logger
    /// The logger before CONNECT named the user, for what runs on the loop.
    private nonisolated let baseLogger: Logger

    /// Set once CONNECT succeeded.
    var connection: ClientConnection?
    var identity: ClientIdentity?
    var refused = false
    /// The Socket.IO channels this connection has joined.
    var channels: Set<String> = []
    /// Those of `channels` joined under a `presence: false` rule: no presence record,
    /// so leaving or updating announces nothing there.
    var untrackedChannels: Set<String> = []
    /// The private id this session is kept under for recovery, when recovery is on.
    var pid: String?
    /// Marks the snapshots this connection writes (a recovered session reuses sid and pid).
    let owner = RandomID.make()
    /// The client ended the session itself (DISCONNECT or Engine.IO close): not recoverable.
    var saidGoodbye = false

    init(services: SessionServices, clientAddress: String, socket: any Channel) {
        self.services = services
        self.clientAddress = clientAddress
        let config = services.configuration
        let queue = OutboundQueue(maxFrames: config.limits.maxQueuedFrames, maxBytes: config.limits.maxQueuedBytes)
        self.queue = queue
        self.socket = socket
        self.pings = PingSchedule(loop: socket.eventLoop, interval: config.pingInterval, timeout: config.pingTimeout, queue: queue)
        self.inbox = SessionInbox(channel: socket)
        self.lane = services.bus.makeLane(on: socket.eventLoop)
        queue.attach(to: socket)
        var logger = services.logger
        logger[metadataKey: "socket"] = "\(self.socketId)"
        self.logger = logger
        self.baseLogger = logger
    }

    /// Sends the Engine.IO OPEN and starts the pings. On the socket's event loop.
    nonisolated func start() {
        let config = services.configuration
        let open = EngineIOOpen(
            sid: RandomID.make(),
            upgrades: [],
            pingInterval: config.pingInterval.wholeMilliseconds,
            pingTimeout: config.pingTimeout.wholeMilliseconds,
            maxPayload: config.maxPayload)
        queue.enqueue(ByteBuffer(bytes: EngineIOCodec.encode(.open(open))))
        // When the queue closes (the client left, slow consumer, ping timeout,
        // shutdown, signout) the client is told why once the queued frames are out,
        // bounded by a grace second so a client that stopped reading cannot hold it.
        let queue = self.queue
        let socket = self.socket
        let logger = self.baseLogger
        queue.onClose { reason in
            socket.eventLoop.execute {
                Goodbye.say(reason: reason, queue: queue, channel: socket, logger: logger, grace: .seconds(1))
            }
        }
        pings.start()
    }

    /// A message from the socket, on its event loop. A pong is settled here; the rest
    /// waits its turn in the inbox.
    nonisolated func received(_ message: SessionInbox.Message) {
        if case .text(let text) = message, text == "3" {
            services.stats.bytesIn.add(1, ordering: .relaxed)
            pings.pongReceived()
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
                services.stats.bytesIn.add(text.utf8.count, ordering: .relaxed)
                await handleFrame(text)
            case .binary:
                if queue.closeReason != nil { continue }
                // Socket.IO binary attachments arrive as binary frames: not supported.
                sendError(RealtimeError(.invalidPayload, "binary frames are not supported; send JSON text"), event: "binary", ackId: nil)
            case .ended:
                queue.close(.clientClosed)
                pings.stop()
                await window.idle()
                await cleanUp()
                services.admission.closed()
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
            pings.pongReceived()
        case .ping(let payload):
            // Only a polling→websocket upgrade probe pings the server; answer it anyway.
            queue.enqueue(ByteBuffer(bytes: EngineIOCodec.encode(.pong(payload))))
        case .close:
            saidGoodbye = true
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
            saidGoodbye = true
            queue.close(.clientClosed)
        case .event:
            guard connection != nil else {
                queue.close(.protocolViolation("event before CONNECT"))
                return
            }
            services.stats.messagesIn.add(1, ordering: .relaxed)
            await dispatch(packet)
        case .binaryEvent, .binaryAck:
            sendError(
                RealtimeError(.invalidPayload, "binary attachments are not supported; send JSON"), event: packet.eventName ?? "binary",
                ackId: packet.id)
        case .ack, .connectError:
            break  // the server never asks clients for acks
        }
    }

    func send(_ packet: SocketIOPacket) {
        send(frame: ByteBuffer(bytes: EngineIOCodec.encodeMessage(packet)))
    }

    /// After CONNECT through the connection, which keeps the frame behind deliveries
    /// already on their way to it; before, no delivery can reach the queue.
    func send(frame: ByteBuffer) {
        // A pipelined event's answer waits for the answers of the events before it.
        if let slot = EventSlot.current, window.hold(frame, slot: slot) { return }
        sendNow(frame)
    }

    func sendNow(_ frame: ByteBuffer) {
        if let connection { connection.send(frame) } else { queue.enqueue(frame) }
    }

    /// Reports a failure: in the ack when there is one, else as `realtime:error`.
    func sendError(_ error: RealtimeError, event: String, ackId: Int?) {
        services.stats.errorsSent.add(1, ordering: .relaxed)
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
