import Synchronization

/// Connection state recovery (socket.io 4.6+), the client's side: the private session id
/// the server handed out and the offset of the last message event, sent back in the next
/// CONNECT so the server can restore the session and replay what was missed. Updated on
/// the connection's event loop (offsets) and by the client (handshakes), hence locked.
final class RecoveryPosition: Sendable {
    private struct State {
        var pid: String?
        var offset: String?
        var recovered = false
    }
    private let state = Mutex(State())

    /// What the next CONNECT's auth adds: `{pid, offset}` once both are known.
    var authFields: [String: String] {
        state.withLock { s in
            guard let pid = s.pid else { return [:] }
            var fields = ["pid": pid]
            if let offset = s.offset { fields["offset"] = offset }
            return fields
        }
    }

    /// The last handshake recovered the session.
    var recovered: Bool { state.withLock { $0.recovered } }

    /// A message event's offset (its last argument), while the server offers recovery.
    func received(offset: String) {
        state.withLock { s in
            if s.pid != nil { s.offset = offset }
        }
    }

    /// A handshake was accepted: recovered when the server answered with the pid sent.
    @discardableResult
    func connected(sentPid: String?, replyPid: String?) -> Bool {
        state.withLock { s in
            s.recovered = sentPid != nil && replyPid == sentPid
            if !s.recovered { s.offset = nil }
            s.pid = replyPid
            return s.recovered
        }
    }

    /// The client said goodbye: its session cannot be recovered.
    func forget() {
        state.withLock { $0 = State() }
    }
}
