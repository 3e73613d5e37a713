import NIOCore
import NIOWebSocket
import Synchronization

/// A connection's bounded queue of pre-encoded frames, written straight to its NIO
/// channel. Fan-out only appends here (never awaits); the first frame into an idle
/// queue schedules one job on the channel's event loop, which writes every frame
/// queued by then and flushes once, so a burst of messages costs one `writev`,
/// and no task or continuation is resumed per frame. While the socket is not
/// writable (the client reads slowly) frames wait here; past the cap the queue
/// closes itself with `.slowConsumer` and drops what it held.
final class OutboundQueue: Sendable {
    private struct State {
        var frames = CircularBuffer<ByteBuffer>(initialCapacity: 16)
        var queuedBytes = 0
        var channel: (any Channel)?
        /// A write job is scheduled, running, or waiting for the socket to drain.
        var writing = false
        var closed: CloseReason?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []

        var isDrained: Bool { !writing && frames.isEmpty }

        /// Records the first close reason; returns the waiters to wake.
        mutating func close(_ reason: CloseReason) -> [CheckedContinuation<Void, Never>] {
            guard closed == nil else { return [] }
            closed = reason
            var woken = closeWaiters
            closeWaiters = []
            if isDrained {
                woken += drainWaiters
                drainWaiters = []
            }
            return woken
        }

        /// Claims the write job when frames wait and none runs; returns the channel to run it on.
        mutating func claimWriter() -> (any Channel)? {
            guard !writing, !frames.isEmpty, let channel else { return nil }
            writing = true
            return channel
        }
    }

    private let state = Mutex(State())
    private let maxFrames: Int
    private let maxBytes: Int

    init(maxFrames: Int, maxBytes: Int) {
        self.maxFrames = maxFrames
        self.maxBytes = maxBytes
    }

    /// Starts writing to `channel` (the upgraded WebSocket), frames queued before included.
    func attach(to channel: any Channel) {
        let start = state.withLock { s -> (any Channel)? in
            s.channel = channel
            return s.claimWriter()
        }
        if let start { schedule(on: start) }
    }

    /// Appends a frame; returns false when the queue is closed or just overflowed.
    @discardableResult
    func enqueue(_ frame: ByteBuffer) -> Bool {
        let (accepted, start, woken) = state.withLock { s -> (Bool, (any Channel)?, [CheckedContinuation<Void, Never>]) in
            guard s.closed == nil else { return (false, nil, []) }
            if s.frames.count >= maxFrames || s.queuedBytes + frame.readableBytes > maxBytes {
                s.frames.removeAll()
                s.queuedBytes = 0
                return (false, nil, s.close(.slowConsumer))
            }
            s.frames.append(frame)
            s.queuedBytes += frame.readableBytes
            return (true, s.claimWriter(), [])
        }
        for continuation in woken { continuation.resume() }
        if let start { schedule(on: start) }
        return accepted
    }

    /// Closes the queue; frames already queued are still written unless it overflowed.
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

    /// Returns once the queue is closed and every frame it accepted reached the socket
    /// (or failed to), so goodbye frames go out after them.
    func waitUntilDrained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let drainedNow = state.withLock { s -> Bool in
                if s.closed != nil, s.isDrained { return true }
                s.drainWaiters.append(continuation)
                return false
            }
            if drainedNow { continuation.resume() }
        }
    }

    /// Wakes every `waitUntilDrained` caller now, drained or not (the session gave up).
    func releaseDrainWaiters() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            defer { s.drainWaiters = [] }
            return s.drainWaiters
        }
        for continuation in woken { continuation.resume() }
    }

    // MARK: The write job (on the channel's event loop)

    private func schedule(on channel: any Channel) {
        channel.eventLoop.execute { self.writeQueued(to: channel) }
    }

    /// Writes everything queued, flushes once, and repeats while frames keep coming.
    /// When the socket cannot take more, waits for the last write to complete first.
    private func writeQueued(to channel: any Channel) {
        while true {
            let batch = state.withLock { s -> CircularBuffer<ByteBuffer>? in
                guard !s.frames.isEmpty, s.closed != .slowConsumer else {
                    s.frames.removeAll()
                    s.queuedBytes = 0
                    s.writing = false
                    return nil
                }
                defer {
                    s.frames.removeAll(keepingCapacity: true)
                    s.queuedBytes = 0
                }
                return s.frames
            }
            guard let batch else {
                wakeDrainWaiters()
                return
            }
            let lastWrite = channel.eventLoop.makePromise(of: Void.self)
            for (index, frame) in batch.enumerated() {
                let data = WebSocketFrame(fin: true, opcode: .text, data: frame)
                channel.write(data, promise: index == batch.count - 1 ? lastWrite : nil)
            }
            channel.flush()
            if !channel.isWritable || !channel.isActive {
                // The socket is full (or gone): continue once the last frame left.
                lastWrite.futureResult.whenComplete { result in
                    if case .failure = result { self.close(.clientClosed) }
                    self.writeQueued(to: channel)
                }
                return
            }
        }
    }

    private func wakeDrainWaiters() {
        let woken = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            guard s.closed != nil, s.isDrained else { return [] }
            defer { s.drainWaiters = [] }
            return s.drainWaiters
        }
        for continuation in woken { continuation.resume() }
    }
}
