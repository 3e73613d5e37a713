import NIOCore
import SocketIOClient
import Synchronization

/// How a connection ended, read by the supervisor once it closed.
final class SessionEnd: Sendable {
    private let byServer = Atomic<Bool>(false)

    var endedByServer: Bool { byServer.load(ordering: .relaxed) }
    func markEndedByServer() { byServer.store(true, ordering: .relaxed) }
}

/// What reaches the client's dispatcher task, in order.
enum ClientInbound: Sendable {
    case event(RealtimeEvent)
    /// `close()` was called: end the `events()` streams after what came before.
    case finishStreams
}

/// Plugged into one connection: decodes server events on the event loop and
/// hands them to the client's dispatcher, in arrival order.
final class ConnectionReceiver: SocketEventReceiver {
    private let inbox: AsyncStream<ClientInbound>.Continuation
    private let end: SessionEnd
    private let position: RecoveryPosition

    init(inbox: AsyncStream<ClientInbound>.Continuation, end: SessionEnd, position: RecoveryPosition) {
        self.inbox = inbox
        self.end = end
        self.position = position
    }

    func received(event frame: ByteBuffer, at now: UInt64) {
        if let (event, offset) = EventDecoding.decodeWithOffset(frame: frame) {
            if let offset { position.received(offset: offset) }
            inbox.yield(.event(event))
        }
    }

    func receivedServerDisconnect() {
        end.markEndedByServer()
    }
}
