import NIOCore
import Synchronization

/// Member lists of one node, in join order per channel for stable listings;
/// announcements go out through the memory bus.
public final class MemoryPresenceStore: PresenceStore {
    private struct State {
        /// channel → member id → record.
        var presence: [String: [String: PresenceRecord]] = [:]
        var joinOrder: [String: [String]] = [:]
    }
    private let state = Mutex(State())
    private let bus: MemoryMessageBus

    public init(bus: MemoryMessageBus) {
        self.bus = bus
    }

    public func join(channel: String, member: PresenceRecord, announce: ByteBuffer, excluding: String?, limitedBy check: RateLimitCheck?)
        async throws -> Bool
    {
        try bus.enforce(check)
        let added = state.withLock { state -> Bool in
            if state.presence[channel]?[member.id] != nil { return false }
            state.presence[channel, default: [:]][member.id] = member
            state.joinOrder[channel, default: []].append(member.id)
            return true
        }
        if added { bus.emit(.delivery(Delivery(topic: .channel(channel), frame: announce, excluding: excluding))) }
        return added
    }

    public func leave(memberId: String, node: String, from channels: [ChannelAnnouncement], limitedBy check: RateLimitCheck?) async throws {
        try bus.enforce(check)
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
            bus.emit(.delivery(Delivery(topic: .channel(announcement.channel), frame: announcement.frame)))
        }
    }

    public func update(member: PresenceRecord, in channels: [ChannelAnnouncement], excluding: String?, limitedBy check: RateLimitCheck?)
        async throws
    {
        try bus.enforce(check)
        var updated: [ChannelAnnouncement] = []
        state.withLock { state in
            for announcement in channels where state.presence[announcement.channel]?[member.id] != nil {
                state.presence[announcement.channel]?[member.id] = member
                updated.append(announcement)
            }
        }
        for announcement in updated {
            bus.emit(.delivery(Delivery(topic: .channel(announcement.channel), frame: announcement.frame, excluding: excluding)))
        }
    }

    public func members(of channel: String, limitedBy check: RateLimitCheck?) async throws -> [PresenceRecord] {
        try bus.enforce(check)
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
}
