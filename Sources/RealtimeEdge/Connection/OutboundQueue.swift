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
        var writer: CheckedContinuation<Void, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var closed: CloseReason?

        /// Records the first close reason; returns everyone to wake.
        mutating func close(_ reason: CloseReason) -> [CheckedContinuation<Void, Never>] {
            guard closed == nil else { return takeWriter() }
            closed = reason
            var woken = closeWaiters
            closeWaiters = []
            woken.append(contentsOf: takeWriter())
            return woken
        }

        mutating func takeWriter() -> [CheckedContinuation<Void, Never>] {
            defer { writer = nil }
            return writer.map { [$0] } ?? []
        }
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
        let (accepted, woken) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
            guard s.closed == nil else { return (false, []) }
            if s.frames.count >= maxFrames || s.queuedBytes + frame.readableBytes > maxBytes {
                s.frames.removeAll()
                s.queuedBytes = 0
                return (false, s.close(.slowConsumer))
            }
            s.frames.append(frame)
            s.queuedBytes += frame.readableBytes
            return (true, s.takeWriter())
        }
        for continuation in woken { continuation.resume() }
        return accepted
    }

    /// Closes the queue; frames already queued are still drained unless it overflowed.
    func close(_ reason: CloseReason) {
        let woken = state.withLock { $0.close(reason) }
        for continuation in woken { continuation.resume() }
    }

    var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Returns once the queue is closed, whatever the reason.
    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let closedNow = state.withLock { s -> Bool in
                if s.closed != nil { return true }
                s.closeWaiters.append(continuation)
                return false
            }
            if closedNow { continuation.resume() }
        }
    }

    /// Waits for frames and takes all of them at once, so the writer can batch.
    /// Returns false once the queue is closed and empty.
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
                    s.writer = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }
}
