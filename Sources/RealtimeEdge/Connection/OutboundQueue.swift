import NIOCore
import NIOWebSocket
import RealtimeCore
import Synchronization

/// A connection's bounded queue of complete WebSocket frames (see WebSocketWire),
/// written straight to its NIO channel below the frame encoder. Fan-out only appends here (never awaits); the first frame into an idle
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
        /// The WebSocket frame encoder's context, looked up once per connection (a
        /// pipeline scan retains every handler it passes).
        var encoder: NIOLoopBoundBox<ChannelHandlerContext?>?
        /// A write job is scheduled, running, or waiting for the socket to drain.
        var writing = false
        var closed: CloseReason?
        var drainWaiters: [@Sendable () -> Void] = []
        var closeHandler: (@Sendable (CloseReason) -> Void)?
        /// While a recovering session replays what it missed, live deliveries wait here.
        var held: [ByteBuffer]?
        /// A recovered session drops message frames up to this offset: its replay had them.
        var replayedUpTo: LogOffset?

        var isDrained: Bool { !writing && frames.isEmpty }

        /// Records the first close reason; returns what to wake.
        mutating func close(_ reason: CloseReason) -> Wakeups {
            guard closed == nil else { return Wakeups() }
            closed = reason
            var woken: [@Sendable () -> Void] = []
            if isDrained {
                woken += drainWaiters
                drainWaiters = []
            }
            defer { closeHandler = nil }
            return Wakeups(drained: woken, handler: closeHandler, reason: reason)
        }

        /// Claims the write job when frames wait and none runs; returns the channel to run it on.
        mutating func claimWriter() -> (any Channel)? {
            guard !writing, !frames.isEmpty, let channel else { return nil }
            writing = true
            return channel
        }
    }

    /// Whom to wake after a close, outside the lock.
    private struct Wakeups {
        var drained: [@Sendable () -> Void] = []
        var handler: (@Sendable (CloseReason) -> Void)?
        var reason: CloseReason?

        func run() {
            for callback in drained { callback() }
            if let handler, let reason { handler(reason) }
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
        let encoder = NIOLoopBoundBox<ChannelHandlerContext?>.makeEmptyBox(
            valueType: ChannelHandlerContext.self, eventLoop: channel.eventLoop)
        let start = state.withLock { s -> (any Channel)? in
            s.channel = channel
            s.encoder = encoder
            return s.claimWriter()
        }
        if let start { schedule(on: start) }
    }

    enum EnqueueResult {
        case rejected
        case queued
        /// Queued into an idle queue: the caller must run ``writeQueued(to:)`` on
        /// the channel's event loop (fan-out batches these per loop).
        case queuedNeedsWriter(any Channel)
    }

    /// Appends one Engine.IO packet (`text`) as a WebSocket text frame; returns false
    /// when the queue is closed or just overflowed.
    @discardableResult
    func enqueue(_ text: ByteBuffer) -> Bool {
        enqueue(wireFrame: WebSocketWire.textFrame(text))
    }

    /// Appends a complete frame (WebSocketWire), built once by the caller for many
    /// queues or many sends; returns false when the queue is closed or just overflowed.
    @discardableResult
    func enqueue(wireFrame: ByteBuffer) -> Bool {
        switch enqueueDeferringWriter(wireFrame: wireFrame) {
        case .rejected: return false
        case .queued: return true
        case .queuedNeedsWriter(let channel):
            schedule(on: channel)
            return true
        }
    }

    /// Appends a complete frame (WebSocketWire) without scheduling the write job;
    /// see ``EnqueueResult``.
    func enqueueDeferringWriter(wireFrame frame: ByteBuffer) -> EnqueueResult {
        let (result, wakeups) = state.withLock { s -> (EnqueueResult, Wakeups?) in
            guard s.closed == nil else { return (.rejected, nil) }
            if let bound = s.replayedUpTo, let offset = OffsetFrames.offset(in: frame), offset <= bound { return (.queued, nil) }
            if s.held != nil {
                guard s.held!.count < maxFrames else { return (.rejected, s.close(.slowConsumer)) }
                s.held!.append(frame)
                return (.queued, nil)
            }
            if s.frames.count >= maxFrames || s.queuedBytes + frame.readableBytes > maxBytes {
                s.frames.removeAll()
                s.queuedBytes = 0
                return (.rejected, s.close(.slowConsumer))
            }
            s.frames.append(frame)
            s.queuedBytes += frame.readableBytes
            return (s.claimWriter().map(EnqueueResult.queuedNeedsWriter) ?? .queued, nil)
        }
        wakeups?.run()
        return result
    }

    /// Holds live deliveries back while a recovering session reads what it missed.
    func hold() {
        state.withLock { $0.held = [] }
    }

    /// Ends a hold: `first` (Engine.IO packets: the CONNECT reply, the replay) goes out
    /// before the held deliveries, and message frames up to `replayedUpTo` are dropped,
    /// now and later (a delivery may still be on its way to this queue). Without
    /// `first`, the held frames are dropped (the recovery was abandoned).
    func release(first: [ByteBuffer]?, replayedUpTo bound: LogOffset?) {
        let (start, wakeups) = state.withLock { s -> ((any Channel)?, Wakeups?) in
            let held = s.held ?? []
            s.held = nil
            s.replayedUpTo = bound
            guard s.closed == nil, let first else { return (nil, nil) }
            let kept = held.filter { frame in
                guard let bound, let offset = OffsetFrames.offset(in: frame) else { return true }
                return offset > bound
            }
            let frames = first.map(WebSocketWire.textFrame) + kept
            if s.frames.count + frames.count > maxFrames {
                s.frames.removeAll()
                s.queuedBytes = 0
                return (nil, s.close(.slowConsumer))
            }
            for frame in frames {
                s.frames.append(frame)
                s.queuedBytes += frame.readableBytes
            }
            return (s.claimWriter(), nil)
        }
        wakeups?.run()
        if let start { schedule(on: start) }
    }

    /// Closes the queue; frames already queued are still written unless it overflowed.
    func close(_ reason: CloseReason) {
        state.withLock { $0.close(reason) }.run()
    }

    /// Calls `handler` once, when the queue closes (at once if it already has).
    func onClose(_ handler: @escaping @Sendable (CloseReason) -> Void) {
        let closedAlready = state.withLock { s -> CloseReason? in
            if let reason = s.closed { return reason }
            s.closeHandler = handler
            return nil
        }
        if let closedAlready { handler(closedAlready) }
    }

    var closeReason: CloseReason? { state.withLock { $0.closed } }

    /// Calls `callback` once the queue is closed and every frame it accepted reached
    /// the socket (or failed to), so goodbye frames go out after them; at once when
    /// that is so already.
    func whenDrained(_ callback: @escaping @Sendable () -> Void) {
        let drainedNow = state.withLock { s -> Bool in
            if s.closed != nil, s.isDrained { return true }
            s.drainWaiters.append(callback)
            return false
        }
        if drainedNow { callback() }
    }

    // MARK: The write job (on the channel's event loop)

    private func schedule(on channel: any Channel) {
        channel.eventLoop.execute { self.writeQueued(to: channel) }
    }

    /// What one turn of the write job takes from the queue.
    private enum Batch {
        /// The usual case under fan-out: taken without giving the queue new storage.
        case one(ByteBuffer)
        case many(CircularBuffer<ByteBuffer>)
        case finished(drained: [@Sendable () -> Void])
    }

    /// Writes everything queued, flushes once, and repeats while frames keep coming.
    /// When the socket cannot take more, the job pauses with `writing` still set;
    /// ``channelBecameWritable()`` resumes it. No promise per write: NIO's writability
    /// events say when to go on, and a failed write closes the channel anyway.
    /// Runs on the channel's event loop, only after a claim (`.queuedNeedsWriter`).
    func writeQueued(to channel: any Channel) {
        var encoderBox: NIOLoopBoundBox<ChannelHandlerContext?>?
        while true {
            let batch = state.withLock { s -> Batch in
                encoderBox = s.encoder
                guard !s.frames.isEmpty, s.closed != .slowConsumer else {
                    s.frames.removeAll()
                    s.queuedBytes = 0
                    s.writing = false
                    guard s.closed != nil else { return .finished(drained: []) }
                    defer { s.drainWaiters = [] }
                    return .finished(drained: s.drainWaiters)
                }
                s.queuedBytes = 0
                if s.frames.count == 1 { return .one(s.frames.removeFirst()) }
                // Take the buffer rather than copy it: a copy would make the next
                // removeAll duplicate the storage.
                var taken = CircularBuffer<ByteBuffer>(initialCapacity: 4)
                swap(&taken, &s.frames)
                return .many(taken)
            }
            // Below the frame encoder the pipeline carries bytes: write the ready frames
            // there. Without the encoder (the connection is being torn down) drop them.
            let encoder: ChannelHandlerContext?
            switch batch {
            case .finished(let drained):
                for callback in drained { callback() }
                return
            case .one(let frame):
                encoder = Self.encoderContext(of: channel, cachedIn: encoderBox)
                encoder?.write(NIOAny(frame), promise: nil)
            case .many(let frames):
                encoder = Self.encoderContext(of: channel, cachedIn: encoderBox)
                for frame in frames { encoder?.write(NIOAny(frame), promise: nil) }
            }
            guard let encoder, channel.isActive else {
                close(.clientClosed)
                continue
            }
            encoder.flush()
            if !channel.isWritable {
                return  // the socket is full: channelBecameWritable() goes on
            }
        }
    }

    /// The socket drained below NIO's low-water mark: resumes a paused write job.
    /// On the channel's event loop (the session's WebSocket handler calls it).
    func channelBecameWritable() {
        let channel = state.withLock { s -> (any Channel)? in s.writing ? s.channel : nil }
        if let channel { writeQueued(to: channel) }
    }

    private static func encoderContext(of channel: any Channel, cachedIn box: NIOLoopBoundBox<ChannelHandlerContext?>?)
        -> ChannelHandlerContext?
    {
        if let cached = box?.value { return cached }
        let context = try? channel.pipeline.syncOperations.context(handlerType: WebSocketFrameEncoder.self)
        box?.value = context
        return context
    }
}
