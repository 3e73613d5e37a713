@testable import RealtimeEdge

extension TestEdge {
    /// Whether the edge has judged the connection `socketId` too slow (its outbound
    /// queue overflowed). Internal state, read only to know when to stop flooding.
    func queueOverflowed(_ socketId: String) -> Bool {
        node.hub.connection(socketId)?.queue.closeReason == .slowConsumer
    }
}
