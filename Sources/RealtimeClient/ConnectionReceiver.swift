import NIOCore
import SocketIOClient
import Synchronization

/// How a connection ended, read by the supervisor once it closed.
final class SessionEnd: Sendable {
    private let byServer = Atomic<Bool>(false)

    var endedByServer: Bool { byServer.load(ordering: .relaxed) }
    func markEndedByServer() { byServer.store(true, ordering: .relaxed) }
}

/// Plugged into one connection: decodes server events on the event loop and
/// hands them to the client's dispatcher, in arrival order.
final class ConnectionReceiver: SocketEventReceiver {
    private let inbox: AsyncStream<RealtimeEvent>.Continuation
    private let end: SessionEnd

    init(inbox: AsyncStream<RealtimeEvent>.Continuation, end: SessionEnd) {
        self.inbox = inbox
        self.end = end
    }

    func received(event frame: ByteBuffer, at now: UInt64) {
        if let event = EventDecoding.decode(frame: frame) {
            inbox.yield(event)
        }
    }

    func receivedServerDisconnect() {
        end.markEndedByServer()
    }
}
