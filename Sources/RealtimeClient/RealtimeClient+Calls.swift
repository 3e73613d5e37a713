import SocketIOClient
import SocketIOProtocol

extension RealtimeClient {
    /// Joins `channel`: its members (this client too when echo is on) get
    /// `channel:join`. Remembered and re-joined after a reconnect.
    ///
    /// - Parameter token: a channel token, for channels whose rule joins by `"token"`
    ///   (a JWT your backend signs for this exact channel and user). It is kept and sent
    ///   again when the channel is re-joined after a reconnect.
    public func join(_ channel: String, token: String? = nil) async throws(RealtimeClientError) {
        _ = try await call("join", Self.joinPayload(channel, token: token))
        state.withLock { state in
            if !state.channels.contains(channel) { state.channels.append(channel) }
            state.channelTokens[channel] = token
        }
    }

    static func joinPayload(_ channel: String, token: String?) -> JSONValue {
        var payload: [String: JSONValue] = ["channel": .string(channel)]
        if let token { payload["token"] = .string(token) }
        return .object(payload)
    }

    /// Leaves `channel`; it is forgotten at once, so a reconnect never re-joins it.
    public func leave(_ channel: String) async throws(RealtimeClientError) {
        state.withLock { state in
            state.channels.removeAll { $0 == channel }
            state.channelTokens[channel] = nil
        }
        _ = try await call("leave", ["channel": .string(channel)])
    }

    /// Every member of `channel`, cluster-wide.
    public func getMembers(_ channel: String) async throws(RealtimeClientError) -> [RealtimeMember] {
        let reply = try await call("members", ["channel": .string(channel)])
        guard let list = reply["data"]?.arrayValue else {
            throw RealtimeClientError(.badResponse, "members reply without data: \(reply)")
        }
        return list.compactMap(RealtimeMember.init(json:))
    }

    /// Sends `message` under `eventName` to the members of `channel` (membership
    /// is not required to send).
    public func send(_ channel: String, _ eventName: String, _ message: JSONValue) async throws(RealtimeClientError) {
        _ = try await call("message", ["channel": .string(channel), "eventName": .string(eventName), "message": message])
    }

    /// Sends `message` under `eventName` to every connected client of the app.
    public func broadcast(_ eventName: String, _ message: JSONValue) async throws(RealtimeClientError) {
        _ = try await call("message", ["eventName": .string(eventName), "message": message])
    }

    /// Sets this connection's metadata, seen by the members of its channels
    /// (`channel:update`) and in `getMembers`. Re-sent after a reconnect.
    public func updateProfile(_ data: JSONValue) async throws(RealtimeClientError) {
        _ = try await call("update", ["data": data])
        state.withLock { $0.profile = data }
    }

    // MARK: Plumbing

    /// Sends an event with an ack on the current connection, waiting for one while
    /// (re)connecting; returns the ack's payload or throws its `error`.
    func call(_ event: String, _ payload: JSONValue) async throws(RealtimeClientError) -> JSONValue {
        let connection = try await currentConnection()
        return try await request(on: connection, event, payload)
    }

    func request(on connection: SocketIOConnection, _ event: String, _ payload: JSONValue) async throws(RealtimeClientError) -> JSONValue {
        let reply: JSONValue
        do {
            reply = try await connection.request(event, payload, timeout: .nanoseconds(Int64(options.ackTimeout / .nanoseconds(1))))
        } catch let error as SocketIOClientError where error.timedOut {
            throw RealtimeClientError(.timeout, "no acknowledgement for \(event) within \(options.ackTimeout)", event: event)
        } catch {
            throw RealtimeClientError(.notConnected, "the connection was lost before \(event) was acknowledged", event: event)
        }
        if let failure = reply["error"], let error = RealtimeClientError(json: failure) {
            throw RealtimeClientError(error.code, error.message, event: event)
        }
        return reply
    }

    /// The live connection, or the next one when (re)connecting and the buffer has room.
    private func currentConnection() async throws(RealtimeClientError) -> SocketIOConnection {
        // Fast path without a continuation: connected, or failing at once.
        switch state.withLock({ decide(&$0, waiter: nil) }) {
        case .ready(let connection): return connection
        case .fail(let error): throw error
        case .wait: break
        }
        do {
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<SocketIOConnection, any Error>) in
                // Decided again under the lock: the connection may have come (or gone) meanwhile.
                switch state.withLock({ decide(&$0, waiter: continuation) }) {
                case .ready(let connection): continuation.resume(returning: connection)
                case .fail(let error): continuation.resume(throwing: error)
                case .wait: break  // queued; install() or giveUp() resumes it
                }
            }
        } catch let error as RealtimeClientError {
            throw error
        } catch {
            throw RealtimeClientError(.notConnected, "\(error)")
        }
    }

    private enum NextConnection {
        case ready(SocketIOConnection)
        case wait
        case fail(RealtimeClientError)
    }

    /// What a call gets now; with a `waiter`, a `.wait` also queues it (the buffer).
    private func decide(_ state: inout ClientState, waiter: CheckedContinuation<SocketIOConnection, any Error>?) -> NextConnection {
        switch state.phase {
        case .connected(let connection): return .ready(connection)
        case .closed: return .fail(RealtimeClientError(.closed, "the client was closed"))
        case .idle: return .fail(RealtimeClientError(.notConnected, "not connected: call open() first"))
        case .connecting:
            if options.maxBuffered == 0 { return .fail(RealtimeClientError(.notConnected, "not connected (buffering is off)")) }
            if state.waiters.count >= options.maxBuffered {
                return .fail(RealtimeClientError(.bufferFull, "\(options.maxBuffered) calls are already waiting for a connection"))
            }
            if let waiter {
                state.waiters.append((state.nextWaiterId, waiter))
                state.nextWaiterId += 1
            }
            return .wait
        }
    }
}
