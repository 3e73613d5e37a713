import NIOCore

/// Callers of `RedisSubscriber.waitUntilConnected`, each with its own
/// timeout. Lives on the subscriber's event loop, like everything it serves.
final class ConnectionWaiters {
    private let eventLoop: any EventLoop
    private var waiters: [Int: (continuation: UnsafeContinuation<Void, any Error>, timer: Scheduled<Void>)] = [:]
    private var nextID = 0

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Waits for `resumeAll`, or fails with `.timeout` after `timeout`.
    func add(_ continuation: UnsafeContinuation<Void, any Error>, timeout: TimeAmount) {
        let id = self.nextID
        self.nextID += 1
        let timer = self.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            if let waiter = self.waiters.removeValue(forKey: id) {
                waiter.continuation.resume(throwing: RedisError.timeout)
            }
        }
        self.waiters[id] = (continuation, timer)
    }

    func resumeAll() {
        self.finishAll { $0.resume() }
    }

    func failAll(_ error: RedisError) {
        self.finishAll { $0.resume(throwing: error) }
    }

    private func finishAll(_ finish: (UnsafeContinuation<Void, any Error>) -> Void) {
        let waiters = self.waiters
        self.waiters = [:]
        for (_, waiter) in waiters {
            waiter.timer.cancel()
            finish(waiter.continuation)
        }
    }
}
