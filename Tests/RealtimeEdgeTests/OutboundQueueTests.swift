import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing

@testable import RealtimeEdge

/// OutboundQueue on an EmbeddedChannel whose pipeline holds NIO's frame encoder,
/// as an upgraded WebSocket does: the queue writes complete frames below it, so
/// they come out of the channel as raw ByteBuffers.
@Suite("OutboundQueue")
struct OutboundQueueTests {
    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(WebSocketFrameEncoder())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func buffer(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }

    /// The payloads of the text frames written so far, in order.
    private func written(_ channel: EmbeddedChannel, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String] {
        var payloads: [String] = []
        while var frame = try channel.readOutbound(as: ByteBuffer.self) {
            #expect(frame.readInteger(as: UInt8.self) == 0x81, "FIN + text", sourceLocation: sourceLocation)
            let length = Int(frame.readInteger(as: UInt8.self) ?? 0)
            #expect(length < 126, sourceLocation: sourceLocation)
            #expect(frame.readableBytes == length, sourceLocation: sourceLocation)
            payloads.append(frame.readString(length: frame.readableBytes) ?? "?")
        }
        return payloads
    }

    /// Records the reasons the queue reports through onClose.
    private final class CloseLog: Sendable {
        private let reasons = Mutex<[CloseReason]>([])
        var all: [CloseReason] { reasons.withLock { $0 } }
        func record(_ reason: CloseReason) { reasons.withLock { $0.append(reason) } }
    }

    private final class Counter: Sendable {
        private let box = Mutex(0)
        var value: Int { box.withLock { $0 } }
        func increment() { box.withLock { $0 += 1 } }
    }

    private func finish(_ channel: EmbeddedChannel) {
        _ = try? channel.finish(acceptAlreadyClosed: true)
    }

    // MARK: Writing

    @Test("frames queued before attach are written, in order, once the loop runs after attach")
    func framesBeforeAttachWrittenInOrder() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        #expect(queue.enqueue(buffer("a")))
        #expect(queue.enqueue(buffer("b")))
        #expect(queue.enqueue(buffer("c")))
        queue.attach(to: channel)
        #expect(try written(channel).isEmpty, "writes happen on the loop, not inside attach")
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["a", "b", "c"])
    }

    @Test("frames enqueued while attached are written in enqueue order, batched into one loop turn")
    func attachedFramesWrittenInOrder() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 100, maxBytes: 100_000)
        queue.attach(to: channel)
        for index in 0..<20 { #expect(queue.enqueue(buffer("m\(index)"))) }
        #expect(try written(channel).isEmpty)
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == (0..<20).map { "m\($0)" })
        // The queue is idle again: a new frame goes out on the next turn.
        #expect(queue.enqueue(buffer("late")))
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["late"])
    }

    @Test("enqueue writes a text frame around the payload")
    func enqueueFramesText() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        queue.attach(to: channel)
        queue.enqueue(buffer("42[\"x\"]"))
        channel.embeddedEventLoop.run()
        let frame = try #require(try channel.readOutbound(as: ByteBuffer.self))
        #expect(Array(frame.readableBytesView) == [0x81, 7] + Array("42[\"x\"]".utf8))
    }

    @Test("only the first frame into an idle attached queue asks the caller to run the writer")
    func deferredWriterClaimedOnce() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let frame = WebSocketWire.textFrame(buffer("x"))
        guard case .queued = queue.enqueueDeferringWriter(wireFrame: frame) else {
            Issue.record("no channel yet: nothing to schedule")
            return
        }
        queue.attach(to: channel)
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["x"])

        guard case .queuedNeedsWriter(let target) = queue.enqueueDeferringWriter(wireFrame: frame) else {
            Issue.record("the first frame into an idle queue must claim the writer")
            return
        }
        #expect(target === channel)
        guard case .queued = queue.enqueueDeferringWriter(wireFrame: frame) else {
            Issue.record("a second frame must not claim the writer again")
            return
        }
        channel.embeddedEventLoop.run()
        #expect(try written(channel).isEmpty, "nobody scheduled the writer")
        queue.writeQueued(to: channel)
        #expect(try written(channel) == ["x", "x"])
        guard case .queuedNeedsWriter = queue.enqueueDeferringWriter(wireFrame: frame) else {
            Issue.record("after the writer finished, the queue is idle again")
            return
        }
    }

    // MARK: Caps

    @Test("the frame past maxFrames is rejected and closes the queue as a slow consumer, dropping what it held")
    func framesCapOverflow() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 3, maxBytes: 1 << 20)
        let log = CloseLog()
        queue.onClose { log.record($0) }
        for name in ["a", "b", "c"] { #expect(queue.enqueue(buffer(name))) }
        #expect(queue.closeReason == nil)
        #expect(!queue.enqueue(buffer("d")))
        #expect(queue.closeReason == .slowConsumer)
        #expect(log.all == [.slowConsumer])
        #expect(!queue.enqueue(buffer("e")), "a closed queue rejects everything")
        queue.attach(to: channel)
        channel.embeddedEventLoop.run()
        #expect(try written(channel).isEmpty, "an overflowed queue drops its frames")
    }

    @Test("the frame that would pass maxBytes is rejected; reaching it exactly is allowed")
    func bytesCapOverflow() throws {
        let frameBytes = WebSocketWire.textFrame(buffer("12345")).readableBytes  // 7
        let queue = OutboundQueue(maxFrames: 100, maxBytes: 2 * frameBytes)
        #expect(queue.enqueue(buffer("12345")))
        #expect(queue.enqueue(buffer("12345")))
        #expect(queue.closeReason == nil)
        #expect(!queue.enqueue(buffer("1")))
        #expect(queue.closeReason == .slowConsumer)
    }

    @Test("frames handed to the socket no longer count against the caps")
    func writtenFramesFreeTheCaps() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 2, maxBytes: 1024)
        queue.attach(to: channel)
        for round in 0..<5 {
            #expect(queue.enqueue(buffer("a\(round)")))
            #expect(queue.enqueue(buffer("b\(round)")))
            channel.embeddedEventLoop.run()
        }
        #expect(queue.closeReason == nil)
        #expect(try written(channel).count == 10)
    }

    // MARK: Writability

    @Test("while the socket is not writable frames wait in the queue; writability resumes them in order")
    func unwritablePausesUntilWritable() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        queue.attach(to: channel)
        channel.isWritable = false
        queue.enqueue(buffer("first"))
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["first"], "the batch taken is written, then the job pauses")
        queue.enqueue(buffer("second"))
        queue.enqueue(buffer("third"))
        channel.embeddedEventLoop.run()
        #expect(try written(channel).isEmpty, "paused: nothing new is written")
        channel.isWritable = true
        queue.channelBecameWritable()
        #expect(try written(channel) == ["second", "third"])
        queue.enqueue(buffer("fourth"))
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["fourth"])
    }

    @Test("writability with nothing paused writes nothing")
    func writableWithoutPausedJobIsNoOp() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        queue.attach(to: channel)
        queue.channelBecameWritable()
        #expect(try written(channel).isEmpty)
        #expect(queue.closeReason == nil)
    }

    @Test("a client that stays unwritable overflows the queue: slow consumer, held frames dropped")
    func unwritableOverflowIsSlowConsumer() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 3, maxBytes: 1 << 20)
        let log = CloseLog()
        queue.onClose { log.record($0) }
        let drained = Counter()
        queue.attach(to: channel)
        channel.isWritable = false
        queue.enqueue(buffer("sent"))
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["sent"])
        for name in ["w1", "w2", "w3"] { #expect(queue.enqueue(buffer(name))) }
        #expect(!queue.enqueue(buffer("w4")))
        #expect(log.all == [.slowConsumer])
        queue.whenDrained { drained.increment() }
        #expect(drained.value == 0, "the paused job still holds the queue")
        channel.isWritable = true
        queue.channelBecameWritable()
        #expect(try written(channel).isEmpty)
        #expect(drained.value == 1)
    }

    // MARK: Closing

    @Test("close keeps the first reason and still writes the frames queued before it")
    func closeKeepsQueuedFrames() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        queue.attach(to: channel)
        queue.enqueue(buffer("a"))
        queue.enqueue(buffer("b"))
        queue.close(.serverShutdown)
        queue.close(.pingTimeout)
        #expect(queue.closeReason == .serverShutdown)
        #expect(!queue.enqueue(buffer("after")))
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["a", "b"])
    }

    @Test("onClose is called once with the first reason, and at once when registered after the close")
    func onCloseCalledOnce() throws {
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let before = CloseLog()
        queue.onClose { before.record($0) }
        #expect(before.all.isEmpty)
        queue.close(.protocolViolation("bad"))
        queue.close(.clientClosed)
        #expect(before.all == [.protocolViolation("bad")])
        let after = CloseLog()
        queue.onClose { after.record($0) }
        #expect(after.all == [.protocolViolation("bad")])
        queue.close(.serverShutdown)
        #expect(before.all.count == 1)
        #expect(after.all.count == 1)
    }

    @Test("whenDrained waits for the close and for every accepted frame to be written")
    func whenDrainedAfterCloseAndWrites() throws {
        let channel = try makeChannel()
        defer { finish(channel) }
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let drained = Counter()
        queue.attach(to: channel)
        queue.enqueue(buffer("a"))
        queue.whenDrained { drained.increment() }
        channel.embeddedEventLoop.run()
        #expect(drained.value == 0, "written but not closed")
        queue.enqueue(buffer("b"))
        queue.close(.sessionEnded)
        #expect(drained.value == 0, "closed but b not written")
        channel.embeddedEventLoop.run()
        #expect(try written(channel) == ["a", "b"])
        #expect(drained.value == 1)
        let late = Counter()
        queue.whenDrained { late.increment() }
        #expect(late.value == 1, "already drained: called at once")
        #expect(drained.value == 1)
    }

    @Test("whenDrained on an empty queue fires as soon as it closes")
    func whenDrainedOnEmptyQueueFiresOnClose() {
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let drained = Counter()
        queue.whenDrained { drained.increment() }
        #expect(drained.value == 0)
        queue.close(.clientClosed)
        #expect(drained.value == 1)
    }

    @Test("a channel closed under the queue closes it as clientClosed and drops the frames")
    func inactiveChannelClosesQueue() throws {
        let channel = try makeChannel()
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let log = CloseLog()
        queue.onClose { log.record($0) }
        queue.attach(to: channel)
        queue.enqueue(buffer("lost"))
        try channel.close().wait()
        channel.embeddedEventLoop.run()
        #expect(queue.closeReason == .clientClosed)
        #expect(log.all == [.clientClosed])
        #expect(!queue.enqueue(buffer("more")))
        finish(channel)
    }

    @Test("without the frame encoder in the pipeline (torn down) frames are dropped and the queue closes")
    func missingEncoderClosesQueue() throws {
        let channel = EmbeddedChannel()
        defer { finish(channel) }
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let queue = OutboundQueue(maxFrames: 10, maxBytes: 1024)
        let drained = Counter()
        queue.whenDrained { drained.increment() }
        queue.attach(to: channel)
        queue.enqueue(buffer("x"))
        channel.embeddedEventLoop.run()
        #expect(queue.closeReason == .clientClosed)
        #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
        #expect(drained.value == 1)
    }
}
