import NIOCore
import SocketIOClient
import Synchronization

/// When measuring counts: deliveries received inside [start, end) make the rate;
/// latencies count for messages sent at or after `start` (warm-up excluded).
final class MeasureWindow: Sendable {
    private let startNanos = Atomic<UInt64>(UInt64.max)
    private let endNanos = Atomic<UInt64>(UInt64.max)

    func set(start: UInt64, end: UInt64) {
        endNanos.store(end, ordering: .relaxed)
        startNanos.store(start, ordering: .releasing)
    }

    var start: UInt64 { startNanos.load(ordering: .acquiring) }
    var end: UInt64 { endNanos.load(ordering: .relaxed) }
}

/// Per-event-loop tallies: every receiver on a loop writes here without locks;
/// the scenario merges the loops' snapshots at the end.
final class LoopCollector {
    let window: MeasureWindow
    /// What this loop's receivers counted; handed over as is at the end.
    var snapshot = DeliverySnapshot()

    init(window: MeasureWindow) { self.window = window }

    @inline(__always)
    func record(_ stamp: Stamp, receivedAt now: UInt64) {
        snapshot.delivered += 1
        let start = window.start
        if now >= start && now < window.end { snapshot.deliveredInWindow += 1 }
        if stamp.sentNanos >= start, now >= stamp.sentNanos { snapshot.latency.record(nanos: now - stamp.sentNanos) }
    }
}

/// A loop's tallies (broadcast rounds: deliveries and the latest receive time per
/// round), carried off the loop and merged.
struct DeliverySnapshot: Sendable {
    var latency = LatencyHistogram()
    var delivered = 0
    var deliveredInWindow = 0
    var duplicates = 0
    var unstamped = 0
    var closedConnections = 0
    var roundCounts: [Int] = []
    var roundLast: [UInt64] = []

    mutating func merge(_ other: DeliverySnapshot) {
        latency.add(other.latency)
        delivered += other.delivered
        deliveredInWindow += other.deliveredInWindow
        duplicates += other.duplicates
        unstamped += other.unstamped
        closedConnections += other.closedConnections
        if roundCounts.count < other.roundCounts.count {
            roundCounts += Array(repeating: 0, count: other.roundCounts.count - roundCounts.count)
            roundLast += Array(repeating: 0, count: other.roundLast.count - roundLast.count)
        }
        for i in other.roundCounts.indices {
            roundCounts[i] += other.roundCounts[i]
            roundLast[i] = max(roundLast[i], other.roundLast[i])
        }
    }
}

/// A subscriber: checks each bench message's per-publisher sequence (a repeat or
/// a step back is a duplicate; gaps show up as lost against the acked total) and
/// records its latency into the loop's collector.
final class DeliveryReceiver: SocketEventReceiver {
    private let collector: LoopCollector
    private var highest: [Int]
    private let tracksRounds: Bool

    init(collector: LoopCollector, publishers: Int, tracksRounds: Bool = false) {
        self.collector = collector
        self.highest = Array(repeating: -1, count: publishers)
        self.tracksRounds = tracksRounds
    }

    func received(event frame: ByteBuffer, at now: UInt64) {
        guard let stamp = Stamp.find(in: frame), stamp.publisher < highest.count else {
            collector.snapshot.unstamped += 1
            return
        }
        if stamp.sequence <= highest[stamp.publisher] {
            collector.snapshot.duplicates += 1
            return
        }
        highest[stamp.publisher] = stamp.sequence
        collector.record(stamp, receivedAt: now)
        if tracksRounds {
            let round = stamp.sequence
            if collector.snapshot.roundCounts.count <= round {
                collector.snapshot.roundCounts += Array(repeating: 0, count: round + 1 - collector.snapshot.roundCounts.count)
                collector.snapshot.roundLast += Array(repeating: 0, count: round + 1 - collector.snapshot.roundLast.count)
            }
            collector.snapshot.roundCounts[round] += 1
            collector.snapshot.roundLast[round] = max(collector.snapshot.roundLast[round], now)
        }
    }

    func closed() {
        collector.snapshot.closedConnections += 1
    }
}

/// One `LoopCollector` per event loop, reachable from any thread.
struct Collectors: Sendable {
    let loops: [any EventLoop]
    private let boxes: [NIOLoopBound<LoopCollector>]
    let window: MeasureWindow

    init(loops: [any EventLoop], window: MeasureWindow) async throws {
        self.loops = loops
        self.window = window
        var boxes: [NIOLoopBound<LoopCollector>] = []
        for loop in loops {
            boxes.append(try await loop.submit { NIOLoopBound(LoopCollector(window: window), eventLoop: loop) }.get())
        }
        self.boxes = boxes
    }

    /// The collector of `loop`; call only on that loop.
    func collector(on loop: any EventLoop) -> LoopCollector {
        for box in boxes where box.eventLoop === loop { return box.value }
        preconditionFailure("no collector for this event loop")
    }

    func merged() async throws -> DeliverySnapshot {
        var total = DeliverySnapshot()
        for box in boxes {
            total.merge(try await box.eventLoop.submit { box.value.snapshot }.get())
        }
        return total
    }

    /// Deliveries so far (for waiting until the stream has drained).
    func deliveredSoFar() async throws -> Int {
        var total = 0
        for box in boxes {
            total += try await box.eventLoop.submit {
                let s = box.value.snapshot
                return s.delivered + s.duplicates + s.unstamped
            }.get()
        }
        return total
    }
}
