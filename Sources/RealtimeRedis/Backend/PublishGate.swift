import NIOCore
import RealtimeCore
import Synchronization

/// Holds message publishes back while the cluster's subscriptions may be incomplete.
///
/// Redis pub/sub delivers a PUBLISH to whoever is subscribed at that instant. After an
/// outage each edge's subscriber reconnects on its own backoff (at most 500 ms apart,
/// see RedisSubscriber), so for a moment an edge that is already back could publish
/// into a channel whose other edges have not re-subscribed yet: the message would be
/// acked and reach no one there. While this edge's own subscriber is down, and for a
/// settle period after it is back, publishes fail with an error the sender sees
/// instead (PROTOCOL.md §2: failures are never silent).
final class PublishGate: Sendable {
    /// Longer than the subscriber's longest reconnect backoff plus a resubscribe.
    static let settlePeriod: TimeAmount = .milliseconds(1500)

    private let down = Atomic<Bool>(false)
    /// Uptime nanoseconds until which publishes are refused after a recovery.
    private let settlingUntil = Atomic<UInt64>(0)

    func subscriberLost() {
        down.store(true, ordering: .relaxed)
    }

    func subscriberRestored() {
        settlingUntil.store(NIODeadline.now().uptimeNanoseconds + UInt64(Self.settlePeriod.nanoseconds), ordering: .relaxed)
        down.store(false, ordering: .relaxed)
    }

    /// Throws while publishing could silently reach only part of the cluster.
    func check() throws(BackendRecovering) {
        if down.load(ordering: .relaxed) {
            throw BackendRecovering("this edge's Redis subscription is down; the message was not sent")
        }
        if NIODeadline.now().uptimeNanoseconds < settlingUntil.load(ordering: .relaxed) {
            throw BackendRecovering("the backend is recovering from an outage; the message was not sent, retry shortly")
        }
    }
}

/// A publish refused by the PublishGate.
public struct BackendRecovering: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
