import NIOCore

/// The write jobs one delivery must start, grouped by event loop: a message to
/// 500 local members wakes each loop once (one `execute`), not 500 times.
struct WriterBatches {
    private var groups: [(loop: any EventLoop, jobs: [(OutboundQueue, any Channel)])] = []

    mutating func add(_ queue: OutboundQueue, _ channel: any Channel) {
        let loop = channel.eventLoop
        // Few loops (one per core): a linear scan beats hashing.
        if let index = groups.firstIndex(where: { $0.loop === loop }) {
            groups[index].jobs.append((queue, channel))
        } else {
            groups.append((loop, [(queue, channel)]))
        }
    }

    /// Runs each loop's jobs in one task on that loop; call outside any lock.
    func start() {
        for group in groups {
            let jobs = group.jobs
            group.loop.execute {
                for (queue, channel) in jobs { queue.writeQueued(to: channel) }
            }
        }
    }
}
