import NIOCore
import SocketIOProtocol
import Synchronization

/// The single-node backend: presence and settings in memory, deliveries handed
/// straight back to the edge. The embedded default (no Redis needed).
public final class MemoryBroker: Broker {
    public let nodeId: String

    private struct State {
        var onEvent: (@Sendable (BrokerEvent) -> Void)?
        /// channel → member id → record, in join order per channel for stable listings.
        var presence: [String: [String: PresenceRecord]] = [:]
        var joinOrder: [String: [String]] = [:]
        var settings: RealtimeSettings?
    }
    private let state = Mutex(State())
    private let limiter = FixedWindowLimiter()

    public init(nodeId: String) {
        self.nodeId = nodeId
    }

    public func start(onEvent: @escaping @Sendable (BrokerEvent) -> Void) async throws {
        state.withLock { $0.onEvent = onEvent }
    }

    public func shutdown() async {
        state.withLock { $0.onEvent = nil }
    }

    public func acquire(_ topic: Topic) async throws {}
    public func release(_ topic: Topic) async {}

    public func publish(_ topic: Topic, frame: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> RateLimit? {
        if let check, let exceeded = limiter.consume(check) { return exceeded }
        emit(.delivery(Delivery(topic: topic, frame: frame, excluding: excluding)))
        return nil
    }

    public func consumeRateLimits(_ check: RateLimitCheck) async throws -> RateLimit? {
        limiter.consume(check)
    }

    public func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?) async throws -> Bool {
        try enforce(check)
        let added = state.withLock { state -> Bool in
            if state.presence[channel]?[member.id] != nil { return false }
            state.presence[channel, default: [:]][member.id] = member
            state.joinOrder[channel, default: []].append(member.id)
            return true
        }
        if added { emit(.delivery(Delivery(topic: .channel(channel), frame: announce, excluding: excluding))) }
        return added
    }

    public func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws {
        try enforce(check)
        var removed: [ChannelAnnouncement] = []
        state.withLock { state in
            for announcement in channels where state.presence[announcement.channel]?.removeValue(forKey: memberId) != nil {
                removed.append(announcement)
                state.joinOrder[announcement.channel]?.removeAll { $0 == memberId }
                if state.presence[announcement.channel]?.isEmpty == true {
                    state.presence[announcement.channel] = nil
                    state.joinOrder[announcement.channel] = nil
                }
            }
        }
        for announcement in removed {
            emit(.delivery(Delivery(topic: .channel(announcement.channel), frame: announcement.frame)))
        }
    }

    public func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?) async throws {
        try enforce(check)
        var updated: [ChannelAnnouncement] = []
        state.withLock { state in
            for announcement in channels where state.presence[announcement.channel]?[member.id] != nil {
                state.presence[announcement.channel]?[member.id] = member
                updated.append(announcement)
            }
        }
        for announcement in updated {
            emit(.delivery(Delivery(topic: .channel(announcement.channel), frame: announcement.frame, excluding: excluding)))
        }
    }

    public func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord] {
        try enforce(check)
        return state.withLock { state in
            (state.joinOrder[channel] ?? []).compactMap { state.presence[channel]?[$0] }
        }
    }

    public func activeChannels() async throws -> [ChannelSummary] {
        state.withLock { state in
            state.presence.map { ChannelSummary(channel: $0.key, members: $0.value.count) }
                .sorted { $0.channel < $1.channel }
        }
    }

    public func restore(_ memberships: [(channel: String, member: PresenceRecord)]) async throws {
        // Memory never loses presence while the process lives.
    }

    public func endSessions(userId: String, sessionId: String?) async throws {
        emit(.endSessions(userId: userId, sessionId: sessionId))
    }

    public func heartbeat(_ stats: JSONValue) async throws {}
    public func deregister() async {}

    public func loadSettings() async throws -> RealtimeSettings? {
        state.withLock { $0.settings }
    }

    public func seedSettings(_ settings: RealtimeSettings) async throws -> RealtimeSettings {
        state.withLock { state in
            if let existing = state.settings { return existing }
            state.settings = settings
            return settings
        }
    }

    public func storeSettings(_ settings: RealtimeSettings) async throws {
        state.withLock { $0.settings = settings }
        emit(.settingsChanged(settings))
    }

    private func enforce(_ check: RateLimitCheck?) throws {
        if let check, let exceeded = limiter.consume(check) { throw RateLimitExceeded(exceeded) }
    }

    private func emit(_ event: BrokerEvent) {
        state.withLock { $0.onEvent }?(event)
    }
}
