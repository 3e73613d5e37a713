import Foundation
import RealtimeCore
import Synchronization

/// Counters of one edge, lock-free so the hot path only pays an atomic add.
public final class NodeStats: Sendable {
    public let startedAt = ContinuousClock.now
    public let connections = Atomic<Int>(0)
    public let totalConnections = Atomic<Int>(0)
    public let messagesIn = Atomic<Int>(0)
    public let messagesOut = Atomic<Int>(0)
    public let bytesIn = Atomic<Int>(0)
    public let bytesOut = Atomic<Int>(0)
    public let errorsSent = Atomic<Int>(0)
    public let slowClientDisconnects = Atomic<Int>(0)
    public let rateLimitRejections = Atomic<Int>(0)
    public let handshakeFailures = Atomic<Int>(0)
    /// Connections the kernel queued that could not be accepted (EMFILE, ENFILE).
    public let acceptFailures = Atomic<Int>(0)
    /// HTTP connections closed for not sending a complete request head in time.
    public let requestHeadTimeouts = Atomic<Int>(0)
    /// Kept-alive HTTP connections closed after idling between requests.
    public let idleTimeouts = Atomic<Int>(0)
    public let backendOutages = Atomic<Int>(0)
    public let backendUp = Atomic<Bool>(true)
    /// Seconds since the epoch when the current backend outage began, 0 when none.
    public let backendDownSince = Atomic<Int>(0)

    /// Publish to socket write, once per message and event loop (the publish time
    /// travels in the Redis envelope; across hosts it is as exact as their clocks).
    public let deliveryLatency = LatencyHistogram()
    /// Server API requests, from the request head to the response being returned.
    public let serverAPILatency = LatencyHistogram()

    public init() {}

    func observeDelivery(publishedAt: Int64) {
        deliveryLatency.observe(seconds: Double(WallClock.microseconds() - publishedAt) / 1e6)
    }

    public var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
