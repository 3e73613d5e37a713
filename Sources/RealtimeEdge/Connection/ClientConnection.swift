import NIOCore
import RealtimeCore
import SocketIOProtocol
import Synchronization

/// What the hub knows of a live, connected socket: its id, user, metadata and
/// outbound queue. Shared between the session task and fan-out.
final class ClientConnection: Sendable {
    /// The Socket.IO socket id, which is also the member id in presence.
    let id: String
    let userId: String?
    /// The id of the session the connection was opened with (see SessionIdentity).
    let sessionId: String?
    /// The private id its session is kept under for recovery (nil when recovery is off).
    let pid: String?
    let queue: OutboundQueue
    /// The event loop of the connection's channel, where fan-out queues its frames.
    let eventLoop: any EventLoop
    private let stats: NodeStats
    private let metadataBox = Mutex<JSONValue>(.null)

    init(
        id: String, userId: String?, sessionId: String? = nil, pid: String? = nil, queue: OutboundQueue, eventLoop: any EventLoop,
        stats: NodeStats
    ) {
        self.id = id
        self.userId = userId
        self.sessionId = sessionId
        self.pid = pid
        self.queue = queue
        self.eventLoop = eventLoop
        self.stats = stats
    }

    /// This connection's metadata, shared by all its channels; null before any `update`.
    var metadata: JSONValue {
        get { metadataBox.withLock { $0 } }
        set { metadataBox.withLock { $0 = newValue } }
    }

    func record(node: String) -> PresenceRecord {
        PresenceRecord(id: id, data: metadata, node: node, userId: userId)
    }

    /// Queues a frame; a client whose queue overflows is disconnected by its session.
    /// The frame takes the same hop as fan-out (``RecipientGroups``), so it lands behind
    /// every delivery already handed to this connection: the sender's own copy of a
    /// message (echo) reaches it before the ack. NIO runs a loop's tasks in the order
    /// they were submitted; even on the loop itself, a delivery may be waiting there.
    func send(_ frame: ByteBuffer) {
        eventLoop.execute {
            if self.queue.enqueue(frame) {
                self.stats.messagesOut.add(1, ordering: .relaxed)
                self.stats.bytesOut.add(frame.readableBytes, ordering: .relaxed)
            }
        }
    }

    /// Closes the queue behind every delivery already handed to this connection's loop
    /// (see ``send(_:)``), so a `user:signout` delivered before the close is still written.
    func close(_ reason: CloseReason) {
        eventLoop.execute { self.queue.close(reason) }
    }
}
