import NIOCore

/// A topic's recipients grouped by their channel's event loop (cached by
/// RecipientSet): a message to 500 local members costs each loop one task, in which
/// it queues the frame for its own connections and then starts their writes.
struct RecipientGroups {
    private var groups: [(loop: any EventLoop, connections: [ClientConnection])] = []

    mutating func add(_ connection: ClientConnection) {
        let loop = connection.eventLoop
        // Few loops (one per core): a linear scan beats hashing.
        if let index = groups.firstIndex(where: { $0.loop === loop }) {
            groups[index].connections.append(connection)
        } else {
            groups.append((loop, [connection]))
        }
    }

    /// Queues `wireFrame` (a complete WebSocket frame) on every recipient, each loop
    /// for its own; the shared out-counters and the delivery-latency histogram move once
    /// per loop, not per recipient.
    func deliver(_ wireFrame: ByteBuffer, excluding excluded: ClientConnection?, payloadBytes: Int, publishedAt: Int64, stats: NodeStats) {
        for group in groups {
            let (loop, connections) = group
            loop.execute {
                var writers: [(OutboundQueue, any Channel)] = []
                writers.reserveCapacity(connections.count)
                var queued = 0
                for connection in connections {
                    if connection === excluded { continue }
                    switch connection.queue.enqueueDeferringWriter(wireFrame: wireFrame) {
                    case .rejected: continue
                    case .queued: break
                    case .queuedNeedsWriter(let channel): writers.append((connection.queue, channel))
                    }
                    queued += 1
                }
                // The writes start one task later, after any delivery already waiting on
                // this loop has queued its frame too: consecutive messages to a
                // connection then leave in one writev.
                if !writers.isEmpty {
                    let claimed = writers
                    loop.execute {
                        for (queue, channel) in claimed { queue.writeQueued(to: channel) }
                        stats.observeDelivery(publishedAt: publishedAt)
                    }
                } else if queued > 0 {
                    // Queued behind writes already under way on this loop.
                    stats.observeDelivery(publishedAt: publishedAt)
                }
                if queued > 0 {
                    stats.messagesOut.add(queued, ordering: .relaxed)
                    stats.bytesOut.add(queued * payloadBytes, ordering: .relaxed)
                }
            }
        }
    }
}
