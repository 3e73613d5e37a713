import SocketIOClient
import SocketIOProtocol

/// What a ``RealtimeClient`` remembers across connections, guarded by its lock.
struct ClientState {
    enum Phase {
        /// Not opened yet, or given up (refused handshake, server disconnect,
        /// reconnect attempts exhausted).
        case idle
        /// `open()` or a reconnect is in progress.
        case connecting
        case connected(SocketIOConnection)
        /// `close()` was called.
        case closed
    }

    var phase: Phase = .idle
    /// Channels joined through this client, re-joined after a reconnect, in join order.
    var channels: [String] = []
    /// Channel tokens of the joined channels that needed one, for re-joins.
    var channelTokens: [String: String] = [:]
    /// The last metadata accepted by the server, re-sent after a reconnect.
    var profile: JSONValue?
    /// Calls waiting for a connection (bounded by `maxBuffered`), in call order.
    var waiters: [(id: UInt64, continuation: CheckedContinuation<SocketIOConnection, any Error>)] = []
    var nextWaiterId: UInt64 = 1
    var supervisor: Task<Void, Never>?
    var hasConnectedBefore = false

    var connection: SocketIOConnection? {
        if case .connected(let connection) = phase { return connection }
        return nil
    }

    var isClosed: Bool {
        if case .closed = phase { return true }
        return false
    }

    mutating func takeWaiters() -> [CheckedContinuation<SocketIOConnection, any Error>] {
        defer { waiters.removeAll() }
        return waiters.map(\.continuation)
    }
}
