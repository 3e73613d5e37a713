import NIOCore
import RealtimeCore
import Synchronization

/// This edge's subscription index: which local connections belong to which
/// channel and user, and every local connection (for broadcasts). Deliveries walk
/// the index under one short lock and only append the shared frame to queues.
final class LocalHub: Sendable {
    private struct State {
        var all: RecipientSet = [:]
        var channels: [String: RecipientSet] = [:]
        var users: [String: RecipientSet] = [:]
    }
    private let state = Mutex(State())
    private let stats: NodeStats

    init(stats: NodeStats) {
        self.stats = stats
    }

    func register(_ connection: ClientConnection) {
        state.withLock { s in
            s.all[connection.id] = connection
            if let user = connection.userId { s.users[user, default: [:]][connection.id] = connection }
        }
    }

    /// Returns true when this was the user's last local connection. Removals go by
    /// identity, not id: a recovered session reuses its socket id, and the old
    /// connection's late cleanup must not remove the new one.
    @discardableResult
    func unregister(_ connection: ClientConnection) -> Bool {
        state.withLock { s in
            if s.all[connection.id] === connection { s.all[connection.id] = nil }
            guard let user = connection.userId else { return false }
            if s.users[user]?[connection.id] === connection { s.users[user]?[connection.id] = nil }
            if s.users[user]?.isEmpty == true {
                s.users[user] = nil
                return true
            }
            return false
        }
    }

    func addMember(_ connection: ClientConnection, to channel: String) {
        state.withLock { $0.channels[channel, default: [:]][connection.id] = connection }
    }

    func removeMember(_ connection: ClientConnection, from channel: String) {
        state.withLock { s in
            guard s.channels[channel]?[connection.id] === connection else { return }
            s.channels[channel]?[connection.id] = nil
            if s.channels[channel]?.isEmpty == true { s.channels[channel] = nil }
        }
    }

    func connection(_ id: String) -> ClientConnection? {
        state.withLock { $0.all[id] }
    }

    func connections(ofUser userId: String) -> [ClientConnection] {
        state.withLock { s in s.users[userId].map { Array($0.values) } ?? [] }
    }

    /// Every local membership with its current record, to re-assert presence after a backend outage.
    func memberships(node: String) -> [(channel: String, member: PresenceRecord)] {
        state.withLock { s in
            s.channels.flatMap { channel, members in
                members.values.map { (channel: channel, member: $0.record(node: node)) }
            }
        }
    }

    var allConnections: [ClientConnection] { state.withLock { Array($0.all.values) } }
    var connectionCount: Int { state.withLock { $0.all.count } }
    var channelCount: Int { state.withLock { $0.channels.count } }

    /// Hands a delivery to every local recipient except the excluded sender. Only the
    /// topic's per-loop recipient groups are taken under the lock; each loop then queues the
    /// shared frame for its own connections and writes them, so the fan-out work is
    /// spread over the cores instead of falling on the loop that received the message.
    func deliver(_ delivery: Delivery) {
        let (groups, excluded) = state.withLock { s -> (RecipientGroups?, ClientConnection?) in
            // The excluded sender is looked up once, so recipients are skipped by identity,
            // not by comparing ids; a sender on another edge is simply not found here.
            let excluded = delivery.excluding.flatMap { s.all[$0] }
            switch delivery.topic {
            case .channel(let name): return (s.channels[name]?.groups(), excluded)
            case .broadcast: return (s.all.groups(), excluded)
            case .user(let userId): return (s.users[userId]?.groups(), excluded)
            }
        }
        guard let groups else { return }
        let wireFrame = WebSocketWire.textFrame(delivery.frame)  // once, for every recipient
        groups.deliver(
            wireFrame, excluding: excluded, payloadBytes: delivery.frame.readableBytes, publishedAt: delivery.publishedAt, stats: stats)
    }
}
