import NIOCore
import SocketIOClient

/// How publishers pace themselves.
enum PublishPace: Sendable, Equatable {
    /// Open loop: this many messages per second per publisher, whatever the acks do.
    /// Each message carries its *intended* send time, so a stalled server shows up
    /// as latency (no coordinated omission).
    case rate(Double)
    /// Closed loop: keep this many messages unacknowledged, as fast as the edge acks.
    case window(Int)
}

/// A publishing connection's state, confined to its event loop. It picks a target
/// (one channel, a random one of several, or a broadcast) per message, numbers
/// messages per target, and counts acks.
final class PublisherState: SocketEventReceiver {
    let index: Int
    private let builders: [MessageFrameBuilder]
    private var sequences: [Int]
    private let pace: PublishPace
    private var random: FastRandom
    private var handler: SocketIOClientHandler?
    private var loop: (any EventLoop)?
    private var startNanos: UInt64 = 0
    private var stopNanos: UInt64 = 0
    private(set) var sent = 0
    private(set) var acked = 0
    private(set) var failed = 0
    /// Messages sent per target, so expected deliveries can be computed per channel.
    private(set) var okPerTarget: [Int]
    private var targetOfAck: [Int: Int] = [:]
    private(set) var lastAckNanos: UInt64 = 0

    init(index: Int, builders: [MessageFrameBuilder], pace: PublishPace, seed: UInt64) {
        self.index = index
        self.builders = builders
        self.sequences = Array(repeating: 0, count: builders.count)
        self.okPerTarget = Array(repeating: 0, count: builders.count)
        self.pace = pace
        self.random = FastRandom(seed: seed)
    }

    /// Starts publishing at `start` and stops at `stop` (monotonic ns).
    func start(handler: SocketIOClientHandler, loop: any EventLoop, start: UInt64, stop: UInt64) {
        self.handler = handler
        self.loop = loop
        self.startNanos = start
        self.stopNanos = stop
        loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(start)) {
            self.begin()
        }
    }

    private func begin() {
        switch pace {
        case .rate:
            tick()
        case .window(let window):
            let now = monotonicNanos()
            for _ in 0..<window { sendOne(stampedAt: now) }
            handler?.flush()
        }
    }

    /// Open loop: send what is due by now, then sleep until the next one is due.
    private func tick() {
        guard case .rate(let rate) = pace, let loop else { return }
        let now = monotonicNanos()
        let nanosPerMessage = 1e9 / rate
        if now >= stopNanos { return }
        let due = Int(Double(now - startNanos) / nanosPerMessage) + 1
        var burst = 0
        while sent < due && burst < 10_000 {
            sendOne(stampedAt: startNanos + UInt64(Double(sent) * nanosPerMessage))
            burst += 1
        }
        handler?.flush()
        let next = startNanos + UInt64(Double(sent) * nanosPerMessage)
        loop.assumeIsolated().scheduleTask(deadline: .uptimeNanoseconds(max(next, now + 20_000))) {
            self.tick()
        }
    }

    private func sendOne(stampedAt stamp: UInt64) {
        guard let handler else { return }
        let target = builders.count == 1 ? 0 : Int(random.next() % UInt64(builders.count))
        let ackId = handler.takeAckId()
        if builders.count > 1 { targetOfAck[ackId] = target }
        let builder = builders[target]
        var buffer = handler.allocator.buffer(capacity: builder.estimatedSize)
        builder.write(ackId: ackId, stamp: Stamp(publisher: index, sequence: sequences[target], sentNanos: stamp), into: &buffer)
        sequences[target] += 1
        sent += 1
        handler.writeText(buffer, flush: false)
    }

    func received(event frame: ByteBuffer, at now: UInt64) {}

    func receivedAck(id: Int, ok: Bool, at now: UInt64) {
        let target = builders.count == 1 ? 0 : targetOfAck.removeValue(forKey: id)
        lastAckNanos = now
        if ok {
            acked += 1
            if let target { okPerTarget[target] += 1 }
        } else {
            failed += 1
        }
        if case .window = pace, now < stopNanos {
            sendOne(stampedAt: now)
            handler?.flush()
        }
    }

    var outstanding: Int { sent - acked - failed }

    var snapshot: PublisherSnapshot {
        PublisherSnapshot(sent: sent, acked: acked, failed: failed, okPerTarget: okPerTarget)
    }
}

struct PublisherSnapshot: Sendable {
    var sent = 0
    var acked = 0
    var failed = 0
    var okPerTarget: [Int] = []

    mutating func merge(_ other: PublisherSnapshot) {
        sent += other.sent
        acked += other.acked
        failed += other.failed
        if okPerTarget.count < other.okPerTarget.count {
            okPerTarget += Array(repeating: 0, count: other.okPerTarget.count - okPerTarget.count)
        }
        for i in other.okPerTarget.indices { okPerTarget[i] += other.okPerTarget[i] }
    }
}

/// A publisher's socket and its loop-bound state.
struct Publisher: Sendable {
    let index: Int
    let socket: SocketIOConnection
    let state: NIOLoopBound<PublisherState>

    static func connect(
        index: Int, connector: SocketIOConnector, on loop: any EventLoop,
        builders: [MessageFrameBuilder], pace: PublishPace
    ) async throws -> Publisher {
        let seed = UInt64.random(in: 1...UInt64.max)
        let box = try await loop.submit {
            NIOLoopBound(PublisherState(index: index, builders: builders, pace: pace, seed: seed), eventLoop: loop)
        }.get()
        let socket = try await connector.connect(on: loop, auth: ["echoMessages": false], makeReceiver: { box.value })
        return Publisher(index: index, socket: socket, state: box)
    }

    func start(at start: UInt64, stop: UInt64) {
        let state = self.state
        let loop = socket.eventLoop
        socket.execute { handler in state.value.start(handler: handler, loop: loop, start: start, stop: stop) }
    }

    func snapshot() async throws -> PublisherSnapshot {
        let state = self.state
        return try await state.eventLoop.submit { state.value.snapshot }.get()
    }

    func outstanding() async throws -> Int {
        let state = self.state
        return try await state.eventLoop.submit { state.value.outstanding }.get()
    }
}
