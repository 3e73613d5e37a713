/// The server's answer to CONNECT: `40{"sid": …}`, with `pid` when it offers connection
/// state recovery (socket.io 4.6+).
public struct ConnectReply: Sendable, Equatable {
    public var sid: String
    /// The private session id to send back (with the last offset) to recover the session.
    public var pid: String?

    public init(sid: String, pid: String? = nil) {
        self.sid = sid
        self.pid = pid
    }
}
