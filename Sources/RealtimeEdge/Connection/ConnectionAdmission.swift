import Synchronization

/// Decides, as a WebSocket opens, whether an edge takes one more socket:
/// a cap on open sockets and a token bucket on new ones per second. A refusal
/// costs one close frame and no session, so a reconnect storm cannot exhaust
/// file descriptors or starve the sockets already served.
final class ConnectionAdmission: Sendable {
    enum Refusal: Sendable {
        case tooManyOpen(limit: Int)
        case rateExceeded(perSecond: Int)

        /// The WebSocket close reason (at most 123 bytes).
        var closeReason: String {
            switch self {
            case .tooManyOpen: "too_many_connections: this edge is full"
            case .rateExceeded: "too_many_connections: connect rate exceeded"
            }
        }

        var message: String {
            switch self {
            case .tooManyOpen(let limit):
                "this edge already serves its maximum of \(limit) connections; retry later or on another edge"
            case .rateExceeded(let perSecond):
                "this edge accepts at most \(perSecond) new connections per second; retry shortly"
            }
        }
    }

    private struct Bucket {
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
    }

    let maxOpen: Int?
    let maxPerSecond: Int?
    /// Admitted sockets not yet ended. Checked and then counted without a lock, so
    /// simultaneous opens may overshoot the cap by the few in flight.
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let bucket: Mutex<Bucket>

    init(maxOpen: Int?, maxPerSecond: Int?) {
        self.maxOpen = maxOpen
        self.maxPerSecond = maxPerSecond
        self.bucket = Mutex(Bucket(tokens: Double(maxPerSecond ?? 0), refilledAt: .now))
    }

    var openCount: Int { open.load(ordering: .relaxed) }
    var refusedCount: Int { refused.load(ordering: .relaxed) }

    /// nil admits the socket; a refusal is counted.
    func check() -> Refusal? {
        let refusal = evaluate()
        if refusal != nil { refused.add(1, ordering: .relaxed) }
        return refusal
    }

    private func evaluate() -> Refusal? {
        if let maxOpen, open.load(ordering: .relaxed) >= maxOpen {
            return .tooManyOpen(limit: maxOpen)
        }
        guard let maxPerSecond else { return nil }
        let granted = bucket.withLock { bucket -> Bool in
            let now = ContinuousClock.now
            let elapsed = now - bucket.refilledAt
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            // The burst equals one second's worth of connections.
            bucket.tokens = min(Double(maxPerSecond), bucket.tokens + seconds * Double(maxPerSecond))
            bucket.refilledAt = now
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
        return granted ? nil : .rateExceeded(perSecond: maxPerSecond)
    }

    func opened() { open.add(1, ordering: .relaxed) }
    func closed() { open.subtract(1, ordering: .relaxed) }
}
