import RedisClient
import Synchronization

/// Forwards Redis events to the edge's handler and turns subscriber state changes
/// into `.lost` / `.restored` (a first connect is neither).
final class BrokerEventRelay: Sendable {
    private let handler = Mutex<(@Sendable (BrokerEvent) -> Void)?>(nil)
    private let lost = Atomic<Bool>(false)

    func setHandler(_ handler: (@Sendable (BrokerEvent) -> Void)?) {
        self.handler.withLock { $0 = handler }
    }

    func emit(_ event: BrokerEvent) {
        handler.withLock { $0 }?(event)
    }

    func subscriberStateChanged(_ state: RedisSubscriberState) {
        switch state {
        case .disconnected:
            if !lost.exchange(true, ordering: .relaxed) { emit(.lost) }
        case .connected:
            if lost.exchange(false, ordering: .relaxed) { emit(.restored) }
        case .connecting:
            break
        }
    }
}
