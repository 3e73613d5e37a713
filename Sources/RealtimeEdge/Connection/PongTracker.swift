import Synchronization

/// Tracks the answer to the outstanding Engine.IO ping. The heartbeat waits on it
/// and is woken the moment the pong arrives, so the next ping follows the pong by
/// exactly pingInterval (as Engine.IO servers do).
final class PongTracker: Sendable {
    private struct State {
        var answered = true
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func markPinged() {
        state.withLock { $0.answered = false }
    }

    func markAnswered() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.answered = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    var wasAnswered: Bool { state.withLock { $0.answered } }

    /// Returns true when the pong came within `timeout`.
    func waitForPong(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.pongArrived() }
            await group.next()
            group.cancelAll()
            // Wake the pong waiter if the timeout won, so the group can finish.
            let waiter = self.state.withLock { s -> CheckedContinuation<Void, Never>? in
                defer { s.waiter = nil }
                return s.waiter
            }
            waiter?.resume()
        }
        return wasAnswered
    }

    private func pongArrived() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.answered || Task.isCancelled { return true }
                s.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
