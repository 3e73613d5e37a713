import RealtimeCore
import RedisClient
import Synchronization

/// Forwards Redis events to the edge's handler and turns subscriber state changes
/// into `.lost` / `.restored` (a first connect is neither).
final class BackendEventRelay: Sendable {
    /// The closure lives inside a struct: a bare function-typed `Mutex` value is
    /// re-abstracted on every `withLock` write-back, wrapping it in two more thunks
    /// per call (a chain that grows with every message).
    private struct Handler { var call: (@Sendable (BackendEvent) -> Void)? }
    private let handler = Mutex(Handler())
    private let lost = Atomic<Bool>(false)
    let publishGate = PublishGate()

    func setHandler(_ handler: (@Sendable (BackendEvent) -> Void)?) {
        self.handler.withLock { $0.call = handler }
    }

    func emit(_ event: BackendEvent) {
        handler.withLock { $0.call }?(event)
    }

    func subscriberStateChanged(_ state: RedisSubscriberState) {
        switch state {
        case .disconnected:
            publishGate.subscriberLost()
            if !lost.exchange(true, ordering: .relaxed) { emit(.lost) }
        case .connected:
            if lost.exchange(false, ordering: .relaxed) {
                publishGate.subscriberRestored()
                emit(.restored)
            }
        case .connecting:
            break
        }
    }
}
