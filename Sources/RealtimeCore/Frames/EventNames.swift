/// Names a client may not use for its own messages: they would impersonate
/// server events (presence, user events, errors) or Socket.IO's reserved ones.
public enum EventNames {
    static let reserved: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener", "error",
    ]
    static let reservedPrefixes = ["channel:", "user:", "realtime:"]

    public static func validateClientEventName(_ name: String) throws(RealtimeError) {
        if name.isEmpty || name.utf8.count > 256 {
            throw RealtimeError(.invalidPayload, "eventName must be 1 to 256 bytes")
        }
        if reserved.contains(name) || reservedPrefixes.contains(where: { name.hasPrefix($0) }) {
            throw RealtimeError(.invalidPayload, "eventName \(name) is reserved")
        }
    }
}
