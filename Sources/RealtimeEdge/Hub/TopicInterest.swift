import RealtimeCore

/// Reference-counts this edge's interest in each topic and turns the 0→1 and 1→0
/// transitions into bus subscribe/unsubscribe calls, strictly in order per topic,
/// so a leave racing a join on the same channel can never leave the edge unsubscribed.
actor TopicInterest {
    private let bus: any MessageBus
    private var counts: [Topic: Int] = [:]
    /// The last subscribe/unsubscribe issued per topic; the next one waits for it.
    private var pending: [Topic: Task<Result<Void, any Error>, Never>] = [:]

    init(bus: any MessageBus) {
        self.bus = bus
    }

    /// Adds one interest; returns once deliveries for the topic reach this edge.
    /// On failure the interest is still counted: the caller must `release` it.
    func retain(_ topic: Topic) async throws {
        counts[topic, default: 0] += 1
        if counts[topic] == 1 {
            let previous = pending[topic]
            let bus = self.bus
            pending[topic] = Task {
                _ = await previous?.value
                do {
                    try await bus.acquire(topic)
                    return .success(())
                } catch {
                    return .failure(error)
                }
            }
        }
        if let task = pending[topic] {
            try await task.value.get()
        }
    }

    func release(_ topic: Topic) {
        guard let count = counts[topic] else { return }
        if count > 1 {
            counts[topic] = count - 1
            return
        }
        counts[topic] = nil
        let previous = pending[topic]
        let bus = self.bus
        pending[topic] = Task { [weak self] in
            _ = await previous?.value
            await bus.release(topic)
            await self?.forget(topic)
            return .success(())
        }
    }

    /// Drops a finished unsubscribe's bookkeeping unless the topic was wanted again.
    private func forget(_ topic: Topic) {
        if counts[topic] == nil { pending[topic] = nil }
    }

    /// Every topic this edge currently wants (for resubscription after an outage).
    var topics: [Topic] { Array(counts.keys) }
}
