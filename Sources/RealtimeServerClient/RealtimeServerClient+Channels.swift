import Foundation
import SocketIOProtocol

extension RealtimeServerClient {
    /// Every member of a channel, cluster-wide: the same answer clients get from `members`.
    ///
    /// A channel nobody joined has no members (an empty array, not an error).
    public func getMembers(channel: String) async throws -> [Member] {
        let segment = try Self.channelSegment(channel)
        let reply = try await perform(.GET, "/api/v1/channels/\(segment)/members")
        guard let entries = (try? JSONValue.parse(reply.body))?.arrayValue else { throw reply.unexpected }
        var members: [Member] = []
        members.reserveCapacity(entries.count)
        for entry in entries {
            guard let member = Member(json: entry) else { throw reply.unexpected }
            members.append(member)
        }
        return members
    }

    /// The channels that have at least one member, with their cluster-wide member counts.
    public func channels() async throws -> [ChannelInfo] {
        let reply = try await perform(.GET, "/api/v1/channels")
        do {
            return try JSONDecoder().decode([ChannelInfo].self, from: Data(reply.body))
        } catch {
            throw reply.unexpected
        }
    }
}
