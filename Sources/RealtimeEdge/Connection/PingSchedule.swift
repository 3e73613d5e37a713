import NIOCore
import Synchronization

/// The Engine.IO ping/pong of one connection (not the node heartbeat the coordinator
/// reads), on its event loop's timers (no task per connection): a ping `interval` after the last pong, and the queue closed with
/// `.pingTimeout` when no pong follows within `timeout`.
final class PingSchedule: Sendable {
    private struct State {
        var awaitingPong = false
        /// Which ping is outstanding, so a stale timeout never judges a later ping.
        var pingNumber = 0
        var stopped = false
        var timer: Scheduled<Void>?
    }

    /// The Engine.IO PING as a whole WebSocket frame, built once for every connection.
    private static let ping = WebSocketWire.textFrame(ByteBuffer(string: "2"))
    private let loop: any EventLoop
    private let interval: TimeAmount
    private let timeout: TimeAmount
    private let queue: OutboundQueue
    private let state = Mutex(State())

    init(loop: any EventLoop, interval: Duration, timeout: Duration, queue: OutboundQueue) {
        self.loop = loop
        self.interval = .nanoseconds(Int64(interval / .nanoseconds(1)))
        self.timeout = .nanoseconds(Int64(timeout / .nanoseconds(1)))
        self.queue = queue
    }

    func start() {
        scheduleNextPing()
    }

    /// The client answered: the next ping goes out `interval` from now.
    func pongReceived() {
        let answered = state.withLock { s -> Bool in
            guard s.awaitingPong, !s.stopped else { return false }
            s.awaitingPong = false
            s.timer?.cancel()
            s.timer = nil
            return true
        }
        if answered { scheduleNextPing() }
    }

    func stop() {
        let timer = state.withLock { s -> Scheduled<Void>? in
            s.stopped = true
            defer { s.timer = nil }
            return s.timer
        }
        timer?.cancel()
    }

    private func scheduleNextPing() {
        let timer = loop.scheduleTask(in: interval) { self.sendPing() }
        keep(timer)
    }

    private func sendPing() {
        let number = state.withLock { s -> Int? in
            guard !s.stopped else { return nil }
            s.awaitingPong = true
            s.pingNumber += 1
            return s.pingNumber
        }
        guard let number, queue.enqueue(wireFrame: Self.ping) else { return }
        let timer = loop.scheduleTask(in: timeout) { self.pongOverdue(for: number) }
        keep(timer)
    }

    private func pongOverdue(for number: Int) {
        let overdue = state.withLock { $0.awaitingPong && $0.pingNumber == number && !$0.stopped }
        if overdue { queue.close(.pingTimeout) }
    }

    /// Remembers the pending timer so stop() can cancel it; cancels it at once if
    /// stop() already ran.
    private func keep(_ timer: Scheduled<Void>) {
        let stopped = state.withLock { s -> Bool in
            if s.stopped { return true }
            s.timer = timer
            return false
        }
        if stopped { timer.cancel() }
    }
}
