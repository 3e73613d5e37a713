import DequeModule
import NIOCore
import Synchronization

/// A session's inbound messages between the socket's event loop and the task that
/// handles them. The loop puts; one drain task at a time takes, and it exists only
/// while messages wait. Back-pressure: past `highWater` waiting messages the socket
/// stops reading (TCP then slows the client) until the task has worked the inbox
/// down to `lowWater`.
final class SessionInbox: Sendable {
    enum Message: Sendable {
        case text(String)
        case binary
        /// The socket closed; always the last message.
        case ended
    }

    private struct State {
        var waiting = Deque<Message>()
        var draining = false
        var readingPaused = false
    }

    static let highWater = 64
    static let lowWater = 16

    private let state = Mutex(State())
    private let channel: any Channel

    init(channel: any Channel) {
        self.channel = channel
    }

    /// Adds a message, on the channel's event loop; true when the caller must start
    /// a drain task (none is running).
    func put(_ message: Message) -> Bool {
        let (startDrain, pause) = state.withLock { s -> (Bool, Bool) in
            s.waiting.append(message)
            let pause = !s.readingPaused && s.waiting.count >= Self.highWater
            if pause { s.readingPaused = true }
            if s.draining { return (false, pause) }
            s.draining = true
            return (true, pause)
        }
        if pause { try? channel.syncOptions?.setOption(.autoRead, value: false) }
        return startDrain
    }

    /// The next message for the drain task, or nil, and the task ends: the next
    /// `put` starts another.
    func next() -> Message? {
        let (message, resume) = state.withLock { s -> (Message?, Bool) in
            guard let message = s.waiting.popFirst() else {
                s.draining = false
                return (nil, false)
            }
            let resume = s.readingPaused && s.waiting.count <= Self.lowWater
            if resume { s.readingPaused = false }
            return (message, resume)
        }
        if resume {
            // Off the loop (the session's actor), the resume is deferred to the loop and
            // must check again there: a burst of reads may have paused reading in the
            // meantime, and resuming then would undo that pause.
            let channel = self.channel
            if channel.eventLoop.inEventLoop {
                try? channel.syncOptions?.setOption(.autoRead, value: true)
            } else {
                channel.eventLoop.execute {
                    guard !self.state.withLock({ $0.readingPaused }) else { return }
                    try? channel.syncOptions?.setOption(.autoRead, value: true)
                }
            }
        }
        return message
    }
}
