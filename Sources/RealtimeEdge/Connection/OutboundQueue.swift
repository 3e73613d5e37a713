import NIOCore
import Synchronization

/// A connection's bounded queue of pre-encoded frames. Fan-out only appends here
/// (never awaits), and the connection's own writer task drains it, so one slow
/// client never stalls delivery to the others. Past the cap the queue closes
/// itself with `.slowConsumer`.
final class OutboundQueue: Sendable {
    private struct State {
        var frames = CircularBuffer<ByteBuffer>(initialCapacity: 16)
        var queuedBytes = 0
        var waiter: CheckedContinuation<Void, Never>?
        var closed: CloseReason?
    }
    private let state = Mutex(State())
    private let maxFrames: Int
    private let maxBytes: Int

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
    }

    /// Appends a frame; returns false when the queue is closed or just overflowed.
    @discardableResult
    func enqueue(_ frame: ByteBuffer) -> Bool {
        let (accepted, waiter) = state.withLock { s -> (Bool, CheckedContinuation<Void, Never>?) in
            guard s.closed == nil else { return (false, nil) }
            if s.frames.count >= maxFrames || s.queuedBytes + frame.readableBytes > maxBytes {
                s.closed = .slowConsumer
                s.frames.removeAll()
                s.queuedBytes = 0
                let w = s.waiter
                s.waiter = nil
                return (false, w)
            }
            s.frames.append(frame)
            s.queuedBytes += frame.readableBytes
            let w = s.waiter
            s.waiter = nil
            return (true, w)
        }
        waiter?.resume()
        return accepted
    }

    /// Closes the queue; frames already queued are still drained unless it overflowed.
    func close(_ reason: CloseReason) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.closed == nil { s.closed = reason }
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Waits for frames and takes all of them at once, so the writer can batch.
    /// Returns nil once the queue is closed and empty.
    func drain(into batch: inout [ByteBuffer]) async -> Bool {
        while true {
            let ready = state.withLock { s -> Bool? in
                if !s.frames.isEmpty {
                    batch.removeAll(keepingCapacity: true)
                    while let f = s.frames.popFirst() { batch.append(f) }
                    s.queuedBytes = 0
                    return true
                }
                return s.closed != nil ? false : nil
            }
            if let ready { return ready }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if !s.frames.isEmpty || s.closed != nil { return true }
                    s.waiter = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }
}
