import Logging
import NIOCore

/// How a connection ends once its queue closed: the frames already queued go out
/// first (bounded by a grace period, so a client that stopped reading cannot hold
/// the socket), then the client is told why with the close code that fits.
enum Goodbye {
    /// On the channel's event loop.
    static func say(reason: CloseReason, queue: OutboundQueue, channel: any Channel, logger: Logger, grace: TimeAmount) {
        let said = NIOLoopBoundBox(false, eventLoop: channel.eventLoop)
        let finish: @Sendable () -> Void = {
            guard !said.value else { return }
            said.value = true
            close(channel, reason: reason, logger: logger)
        }
        // A slow consumer's socket is full and its frames were dropped: waiting for a
        // drain would only spend the grace; the close frame goes after whatever NIO
        // and the kernel still hold.
        if reason == .slowConsumer { return finish() }
        // The grace timer is cancelled once the frames are out, so a closed connection
        // is not kept for the rest of the grace second.
        let graceOver = channel.eventLoop.scheduleTask(in: grace, finish)
        queue.whenDrained {
            channel.eventLoop.execute {
                graceOver.cancel()
                finish()
            }
        }
    }

    private static func close(_ channel: any Channel, reason: CloseReason, logger: Logger) {
        let goodbye: WebSocketGoodbye
        switch reason {
        case .clientClosed:
            channel.close(promise: nil)
            return
        case .slowConsumer, .pingTimeout:
            // The client is not reading, or not answering: it would not answer a close either.
            logger.info("closing connection", metadata: ["reason": "\(reason.text)"])
            goodbye = WebSocketGoodbye(code: .policyViolation, reason: reason.text, waitForReply: false)
        case .protocolViolation:
            logger.info("closing connection", metadata: ["reason": "\(reason.text)"])
            goodbye = WebSocketGoodbye(code: .policyViolation, reason: reason.text)
        case .serverShutdown:
            // Close the WebSocket only: an Engine.IO CLOSE packet ("1") first would make
            // python-socketio treat it as a deliberate server disconnect and not reconnect.
            // A bare close frame (1001 going away) is a transport close to every stock
            // client, which reconnects (through the load balancer, to another edge).
            goodbye = WebSocketGoodbye(code: .goingAway, reason: reason.text)
        case .sessionEnded:
            // A Socket.IO DISCONNECT, so stock clients do not reconnect with the ended session.
            goodbye = WebSocketGoodbye(code: .normalClosure, reason: reason.text, lastWords: ["41"])
        case .handshakeRefused:
            goodbye = WebSocketGoodbye(code: .normalClosure, reason: reason.text)
        }
        channel.triggerUserOutboundEvent(goodbye, promise: nil)
    }
}
