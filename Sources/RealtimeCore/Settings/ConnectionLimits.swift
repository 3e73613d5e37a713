/// Per-connection limits of PROTOCOL.md §2. Exceeding one is an error event, never a disconnect.
public struct ConnectionLimits: Sendable, Equatable {
    public var maxChannelNameBytes: Int
    public var maxMetadataBytes: Int
    public var maxPayloadBytes: Int
    public var maxChannelsPerConnection: Int
    /// Outbound frames queued for one client before it is judged too slow and disconnected.
    public var maxQueuedFrames: Int
    public var maxQueuedBytes: Int

    public init(
        maxChannelNameBytes: Int = 256,
        maxMetadataBytes: Int = 16 * 1024,
        maxPayloadBytes: Int = 64 * 1024,
        maxChannelsPerConnection: Int = 100,
        maxQueuedFrames: Int = 4096,
        maxQueuedBytes: Int = 4 * 1024 * 1024
    ) {
        self.maxChannelNameBytes = maxChannelNameBytes
        self.maxMetadataBytes = maxMetadataBytes
        self.maxPayloadBytes = maxPayloadBytes
        self.maxChannelsPerConnection = maxChannelsPerConnection
        self.maxQueuedFrames = maxQueuedFrames
        self.maxQueuedBytes = maxQueuedBytes
    }

    public static let `default` = ConnectionLimits()

    /// Channel names: 1…max UTF-8 bytes, no control characters (C0, DEL, C1).
    public func validateChannelName(_ name: String) -> RealtimeError? {
        let count = name.utf8.count
        if count == 0 || count > maxChannelNameBytes {
            return RealtimeError(.invalidChannel, "channel name must be 1 to \(maxChannelNameBytes) UTF-8 bytes")
        }
        for scalar in name.unicodeScalars where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            return RealtimeError(.invalidChannel, "channel name must not contain control characters")
        }
        return nil
    }
}
