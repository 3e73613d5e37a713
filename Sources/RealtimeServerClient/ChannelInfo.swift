/// A channel with at least one member, and how many members it has cluster-wide.
public struct ChannelInfo: Sendable, Hashable, Codable {
    /// The channel name.
    public var channel: String
    /// The number of members across every edge.
    public var members: Int

    public init(channel: String, members: Int) {
        self.channel = channel
        self.members = members
    }
}
