import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import RealtimeCore
import SocketIOProtocol

/// One client's Engine.IO/Socket.IO conversation on one WebSocket. Inbound packets
/// are handled one at a time, in order, by the task that runs the session; the
/// writer and heartbeat run beside it and share only the queue.
/// `@unchecked Sendable`: the mutable state is touched by the reader task only, and
/// by `cleanUp` after that task has finished; the other tasks share just the queue.
final class ClientSession: @unchecked Sendable {
    let node: EdgeNode
    let clientAddress: String
    let socketId = RandomID.make()
    let queue: OutboundQueue
    let pongs = PongTracker()
    var logger: Logger

    /// Set once CONNECT succeeded.
    var connection: ClientConnection?
    var identity: ClientIdentity?
    var refused = false
    var channels: Set<String> = []

    init(node: EdgeNode, clientAddress: String) {
        self.node = node
        self.clientAddress = clientAddress
        let limits = node.configuration.limits
        self.queue = OutboundQueue(maxFrames: limits.maxQueuedFrames, maxBytes: limits.maxQueuedBytes)
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
        // Reader, writer, heartbeat and a close watcher run side by side; the session
        // ends as soon as the client leaves, the writer has said goodbye, or the queue
        // closed (slow consumer, ping timeout, shutdown) and the writer could not
        // flush within a grace period: cancelling the rest never waits on the client.
        await withTaskGroup(of: SessionPart.self) { group in
            let queue = self.queue
            let pongs = self.pongs
            let logger = self.logger
            group.addTask {
                await Self.writeLoop(queue: queue, outbound: outbound, logger: logger)
                return .writer
            }
            group.addTask {
                await Self.heartbeat(queue: queue, pongs: pongs, interval: config.pingInterval, timeout: config.pingTimeout)
                return .heartbeat
            }
            group.addTask {
                await queue.waitUntilClosed()
                try? await Task.sleep(for: .seconds(1))
                return .closeWatcher
            }
            group.addTask {
                await self.readLoop(inbound)
                return .reader
            }
            while let part = await group.next(), part == .heartbeat {}
            queue.close(.clientClosed)
            group.cancelAll()
        }
        await cleanUp()
    }

    private enum SessionPart: Sendable { case reader, writer, heartbeat, closeWatcher }

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
            pongs.markAnswered()
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

    private static func writeLoop(queue: OutboundQueue, outbound: WebSocketOutboundWriter, logger: Logger) async {
        var batch: [ByteBuffer] = []
        batch.reserveCapacity(16)
        do {
            while await queue.drain(into: &batch) {
                for frame in batch {
                    try await outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: frame)))
                }
            }
        } catch {
            logger.debug("write failed", metadata: ["error": "\(error)"])
            queue.close(.clientClosed)
            return
        }
        let reason = queue.closeReason ?? .clientClosed
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

    private static func heartbeat(queue: OutboundQueue, pongs: PongTracker, interval: Duration, timeout: Duration) async {
        let ping = ByteBuffer(string: "2")
        while !Task.isCancelled {
            do { try await Task.sleep(for: interval) } catch { return }
            pongs.markPinged()
            guard queue.enqueue(ping) else { return }
            guard await pongs.waitForPong(timeout: timeout) else {
                if !Task.isCancelled { queue.close(.pingTimeout) }
                return
            }
        }
    }
}

extension Duration {
    /// Engine.IO advertises its timers in whole milliseconds.
    var wholeMilliseconds: Int {
        Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000)
    }
}
