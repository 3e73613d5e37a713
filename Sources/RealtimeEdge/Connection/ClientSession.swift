import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import RealtimeCore
import SocketIOProtocol

/// One client's Engine.IO/Socket.IO conversation on one WebSocket. Inbound packets
/// are handled one at a time, in order, by the task that runs the session; frames
/// out go through the queue, written on the channel's event loop, and the
/// heartbeat runs on that loop's timers: one suspended task (the reader) per idle connection.
/// `@unchecked Sendable`: the mutable state is touched by the reader task only, and
/// by `cleanUp` after that task has finished; the rest shares just the queue.
final class ClientSession: @unchecked Sendable {
    let node: EdgeNode
    let clientAddress: String
    let socketId = RandomID.make()
    let queue: OutboundQueue
    let heartbeat: Heartbeat
    let channel: any Channel
    var logger: Logger

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
        queue.attach(to: channel)
        var logger = node.logger
        logger[metadataKey: "socket"] = "\(socketId)"
        self.logger = logger
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async {
        let config = node.configuration
        queue.enqueue(ByteBuffer(bytes: EngineIOCodec.encode(.open(EngineIOOpen(
            sid: RandomID.make(),
            upgrades: [],
            pingInterval: config.pingInterval.wholeMilliseconds,
            pingTimeout: config.pingTimeout.wholeMilliseconds,
            maxPayload: config.maxPayload
        )))))
        // Only the reader is a task while the connection idles. When the queue closes
        // (the client left, slow consumer, ping timeout, shutdown, signout) a short-lived
        // task says goodbye once the queued frames are out, bounded by a grace second so a
        // client that stopped reading cannot hold it, then closes the channel, which
        // ends the reader.
        let queue = self.queue
        let channel = self.channel
        let logger = self.logger
        queue.onClose { _ in
            Task {
                await Self.sayGoodbye(queue: queue, outbound: outbound, logger: logger, grace: .seconds(1))
                channel.close(promise: nil)
            }
        }
        heartbeat.start()
        await readLoop(inbound)
        queue.close(.clientClosed)
        heartbeat.stop()
        await cleanUp()
    }

    private func readLoop(_ inbound: WebSocketInboundStream) async {
        do {
            for try await message in inbound.messages(maxSize: node.configuration.maxPayload) {
                if queue.closeReason != nil { break }
                switch message {
                case .text(let text):
                    node.stats.bytesIn.add(text.utf8.count, ordering: .relaxed)
                    await handleFrame(text)
                case .binary:
                    // Socket.IO binary attachments arrive as binary frames: not supported.
                    sendError(RealtimeError(.invalidPayload, "binary frames are not supported; send JSON text"), event: "binary", ackId: nil)
                }
            }
        } catch {
            logger.debug("connection read ended", metadata: ["error": "\(error)"])
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
        let frame = ByteBuffer(bytes: EngineIOCodec.encodeMessage(packet))
        if let connection { connection.send(frame) } else { queue.enqueue(frame) }
    }

    /// Reports a failure: in the ack when there is one, else as `realtime:error`.
    func sendError(_ error: RealtimeError, event: String, ackId: Int?) {
        node.stats.errorsSent.add(1, ordering: .relaxed)
        if let ackId {
            send(.ack(id: ackId, [.object(["error": .object(["code": .string(error.code.rawValue), "message": .string(error.message)])])]))
        } else {
            let frame = EventFrames.error(error, event: event)
            if let connection { connection.send(frame) } else { queue.enqueue(frame) }
        }
    }

    /// Once the queued frames are out, tells the client why the server ends the
    /// connection; bounded by `grace` so a client that stopped reading cannot hold it.
    private static func sayGoodbye(queue: OutboundQueue, outbound: WebSocketOutboundWriter, logger: Logger, grace: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let reason = queue.closeReason ?? .clientClosed
                // A slow consumer's socket is full and its frames were dropped: waiting
                // for a drain would only spend the grace; the close frame goes after
                // whatever the kernel still holds.
                if reason != .slowConsumer { await queue.waitUntilDrained() }
                await closeWebSocket(reason: reason, outbound: outbound, logger: logger)
            }
            group.addTask { try? await Task.sleep(for: grace) }
            await group.next()
            group.cancelAll()
            queue.releaseDrainWaiters()  // a continuation ignores cancellation
        }
    }

    private static func closeWebSocket(reason: CloseReason, outbound: WebSocketOutboundWriter, logger: Logger) async {
        switch reason {
        case .clientClosed:
            break
        case .slowConsumer, .pingTimeout, .protocolViolation:
            logger.info("closing connection", metadata: ["reason": "\(reason.text)"])
            try? await outbound.close(.policyViolation, reason: reason.text)
        case .serverShutdown:
            // Close the WebSocket only: an Engine.IO CLOSE packet ("1") first would make
            // python-socketio treat it as a deliberate server disconnect and not reconnect.
            // A bare close frame (1001 going away) is a transport close to every stock
            // client, which reconnects (through the load balancer, to another edge).
            try? await outbound.close(.goingAway, reason: reason.text)
        case .sessionEnded:
            // A Socket.IO DISCONNECT, so stock clients do not reconnect with the ended session.
            try? await outbound.write(.text("41"))
            try? await outbound.close(.normalClosure, reason: reason.text)
        case .handshakeRefused:
            try? await outbound.close(.normalClosure, reason: reason.text)
        }
    }
}

extension Duration {
    /// Engine.IO advertises its timers in whole milliseconds.
    var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
