import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The request/reply engine of one `RedisConnection`.
///
/// Commands are encoded into one outbound buffer and flushed once per event
/// loop tick, so many concurrent callers share a single write syscall.
/// Replies are matched to waiters strictly in FIFO order (RESP2 has no
/// request ids). Everything here runs on the channel's event loop; callers on
/// other threads reach it through `RedisConnection`, which hops first.
final class RedisCommandHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let logger: Logger
    private let commandTimeout: TimeAmount
    private let allocator: ByteBufferAllocator
    private let encoder: RESPCommandEncoder
    private let decoder: RESPReplyDecoder
    private let roundTripObserver: (@Sendable (Duration) -> Void)?

    private var context: ChannelHandlerContext?
    private var isClosed = false
    private var pending = CircularBuffer<PendingReply>(initialCapacity: 64)
    private var outbound: ByteBuffer
    private var flushScheduled = false
    private var timeoutTimer: Scheduled<Void>?
    /// The first transport error (a TLS handshake failure, a reset), kept so a
    /// first connection can say why it failed instead of "connection closed".
    private(set) var firstError: (any Error)?

    /// Past this size the outbound buffer is dropped after a flush rather
    /// than kept, so one huge command does not pin memory forever.
    private static let retainedOutboundCapacity = 64 * 1024

    init(
        commandTimeout: TimeAmount, logger: Logger, allocator: ByteBufferAllocator = ByteBufferAllocator(),
        roundTripObserver: (@Sendable (Duration) -> Void)? = nil
    ) {
        self.logger = logger
        self.roundTripObserver = roundTripObserver
        self.commandTimeout = commandTimeout
        self.allocator = allocator
        self.encoder = RESPCommandEncoder(allocator: allocator)
        self.decoder = RESPReplyDecoder(allocator: allocator)
        self.outbound = allocator.buffer(capacity: 4096)
    }

    // MARK: Sending (called on the event loop)

    func enqueue(_ command: RedisCommand, continuation: UnsafeContinuation<RESPValue, any Error>) {
        guard let context, !self.isClosed else {
            continuation.resume(throwing: RedisError.notConnected)
            return
        }
        do {
            try self.encoder.encode(command, into: &self.outbound)
        } catch {
            continuation.resume(throwing: error)
            return
        }
        self.pending.append(PendingReply(sink: .single(continuation), deadline: .now() + self.commandTimeout))
        self.commandsQueued(context: context)
    }

    func enqueue(_ command: RedisCommand, promise: EventLoopPromise<RESPValue>) {
        guard let context, !self.isClosed else {
            promise.fail(RedisError.notConnected)
            return
        }
        do {
            try self.encoder.encode(command, into: &self.outbound)
        } catch {
            promise.fail(error)
            return
        }
        self.pending.append(PendingReply(sink: .promise(promise), deadline: .now() + self.commandTimeout))
        self.commandsQueued(context: context)
    }

    func enqueue(_ commands: [RedisCommand], continuation: UnsafeContinuation<[RESPValue], any Error>) {
        guard let context, !self.isClosed else {
            continuation.resume(throwing: RedisError.notConnected)
            return
        }
        guard !commands.isEmpty else {
            continuation.resume(returning: [])
            return
        }
        // All or nothing: if one command cannot be encoded, none is sent.
        let rollback = self.outbound.writerIndex
        do {
            for command in commands {
                try self.encoder.encode(command, into: &self.outbound)
            }
        } catch {
            self.outbound.moveWriterIndex(to: rollback)
            continuation.resume(throwing: error)
            return
        }
        let collector = PipelineCollector(expected: commands.count, continuation: continuation)
        let deadline = NIODeadline.now() + self.commandTimeout
        for _ in commands {
            self.pending.append(PendingReply(sink: .pipeline(collector), deadline: deadline))
        }
        self.commandsQueued(context: context)
    }

    private func commandsQueued(context: ChannelHandlerContext) {
        if !self.flushScheduled {
            // Deferring the flush to the end of the current batch of loop
            // tasks coalesces every command enqueued meanwhile into one write.
            self.flushScheduled = true
            context.eventLoop.assumeIsolated().execute {
                self.flush()
            }
        }
        self.armTimeoutTimer(context: context)
    }

    private func flush() {
        self.flushScheduled = false
        guard let context, !self.isClosed, self.outbound.readableBytes > 0 else {
            return
        }
        context.writeAndFlush(self.wrapOutboundOut(self.outbound), promise: nil)
        if self.outbound.capacity > Self.retainedOutboundCapacity {
            self.outbound = self.allocator.buffer(capacity: 4096)
        } else {
            // Once the socket took the bytes the storage is unique again and
            // is reused without allocating.
            self.outbound.clear()
        }
    }

    // MARK: Timeouts

    /// One timer for the oldest pending reply, instead of one per command.
    private func armTimeoutTimer(context: ChannelHandlerContext) {
        guard self.timeoutTimer == nil, let oldest = self.pending.first else {
            return
        }
        self.timeoutTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: oldest.deadline) {
            self.timeoutTimerFired()
        }
    }

    private func timeoutTimerFired() {
        self.timeoutTimer = nil
        guard let context, let oldest = self.pending.first else {
            return
        }
        if oldest.deadline <= .now() {
            // Dropping one waiter would shift every later reply onto the
            // wrong caller; a stalled connection is torn down as a whole.
            self.logger.warning("Redis command timed out; closing connection", metadata: ["pending": "\(self.pending.count)"])
            self.abort(with: .timeout, context: context)
        } else {
            self.armTimeoutTimer(context: context)
        }
    }

    // MARK: Receiving

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = self.unwrapInboundIn(data)
        do throws(RedisError) {
            try self.decoder.feed(bytes)
            // One clock read per read event, shared by the replies it carried.
            let now = self.roundTripObserver == nil ? nil : NIODeadline.now()
            while let reply = try self.decoder.next() {
                guard let waiter = self.pending.popFirst() else {
                    throw RedisError.protocolError("reply without a pending command")
                }
                if let now, let observe = self.roundTripObserver {
                    // The deadline was set to send time + timeout, so no send time is stored.
                    let nanoseconds = (now - (waiter.deadline - self.commandTimeout)).nanoseconds
                    observe(.nanoseconds(nanoseconds))
                }
                waiter.succeed(reply)
            }
        } catch {
            self.logger.error("Redis connection protocol failure", metadata: ["error": "\(error)"])
            self.abort(with: error, context: context)
        }
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.failAll(.connectionClosed)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.failAll(.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.logger.debug("Redis connection error", metadata: ["error": "\(error)"])
        if self.firstError == nil {
            self.firstError = error
        }
        self.abort(with: .connectionClosed, context: context)
    }

    private func abort(with error: RedisError, context: ChannelHandlerContext) {
        self.failAll(error)
        // Reset, don't close: a normal close keeps unsent bytes in the kernel and
        // delivers them once the path heals, so a command its caller saw fail (a
        // PUBLISH during a partition) would still take effect later.
        let channel = context.channel
        guard let socket = channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Marks the handler unusable and fails every waiter; later enqueues get
    /// `.notConnected` right away.
    private func failAll(_ error: RedisError) {
        self.isClosed = true
        self.timeoutTimer?.cancel()
        self.timeoutTimer = nil
        while let waiter = self.pending.popFirst() {
            waiter.fail(error)
        }
    }
}
