/// Socket.IO connection state recovery (PROTOCOL.md §8): a client that lost its
/// connection and comes back within `maxDisconnectionSeconds`, to any edge, gets its
/// socket id, channels and metadata back and every message it missed. Off by default,
/// so clients that never asked for it see no extra offset argument on their events.
public struct RecoverySettings: Codable, Sendable, Hashable {
    public var enabled: Bool
    /// How long a lost session (and the messages it may miss) is kept.
    public var maxDisconnectionSeconds: Int

    public init(enabled: Bool = false, maxDisconnectionSeconds: Int = 120) {
        self.enabled = enabled
        self.maxDisconnectionSeconds = maxDisconnectionSeconds
    }

    public static let off = RecoverySettings()

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? false
        maxDisconnectionSeconds = try c.decodeIfPresent(Int.self, forKey: .maxDisconnectionSeconds) ?? 120
    }
}
