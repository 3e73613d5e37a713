import SocketIOClient
import SocketIOProtocol

extension RealtimeClient {
    /// Watches the current connection; when it drops, reconnects with backoff and
    /// restores profile and channels (unless the server recovered the session). Ends on `close()`, on a refused handshake,
    /// on a deliberate server disconnect, or when the attempts run out.
    func supervise(_ first: SocketIOConnection, _ firstEnd: SessionEnd) async {
        var connection = first
        var end = firstEnd
        while true {
            try? await connection.channel.closeFuture.get()
            let closedByUser = state.withLock { state -> Bool in
                guard !state.isClosed else { return true }
                state.phase = .connecting
                return false
            }
            if closedByUser { return }
            let byServer = end.endedByServer
            emit(.disconnected(reason: byServer ? "the server ended the session" : "the connection was lost"))
            guard !byServer, let policy = options.reconnect else {
                giveUp(RealtimeClientError(.notConnected, byServer ? "the server ended the session" : "the connection was lost"))
                return
            }
            guard let next = await reconnect(policy) else { return }
            (connection, end) = next
        }
    }

    /// Attempts until one connection is up and restored; nil when the client gave up or was closed.
    private func reconnect(_ policy: ReconnectPolicy) async -> (SocketIOConnection, SessionEnd)? {
        var random = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            if let max = policy.maxAttempts, attempt > max {
                let error = RealtimeClientError(.notConnected, "gave up after \(max) reconnect attempts")
                emit(.error(error))
                giveUp(error)
                return nil
            }
            let delay = policy.delay(forAttempt: attempt, using: &random)
            emit(.reconnectAttempt(attempt: attempt, delay: delay))
            do {
                try await Task.sleep(for: delay)
            } catch {
                return nil  // cancelled by close()
            }
            if state.withLock({ $0.isClosed }) { return nil }
            let connection: SocketIOConnection
            let end: SessionEnd
            do {
                (connection, end) = try await connectOnce(attempt: attempt)
            } catch  where error.code == .connectionFailed {
                continue
            } catch {
                // Refused handshake (the key was revoked, the session expired): retrying won't help.
                emit(.error(error))
                giveUp(error)
                return nil
            }
            // A recovered session has its channels and profile already.
            if !position.recovered { await restore(on: connection) }
            guard install(connection) else {
                connection.close()
                return nil
            }
            return (connection, end)
        }
    }

    /// Re-sends the last profile and re-joins the remembered channels before any
    /// waiting call goes out, so other members see this client as before.
    private func restore(on connection: SocketIOConnection) async {
        let (profile, channels, tokens) = state.withLock { ($0.profile, $0.channels, $0.channelTokens) }
        if let profile {
            do {
                _ = try await request(on: connection, "update", ["data": profile])
            } catch {
                emit(.error(RealtimeClientError(error.code, "restoring the profile failed: \(error.message)", event: "update")))
            }
        }
        for channel in channels {
            do {
                _ = try await request(on: connection, "join", Self.joinPayload(channel, token: tokens[channel]))
            } catch {
                emit(.error(RealtimeClientError(error.code, "re-joining \(channel) failed: \(error.message)", event: "join")))
            }
        }
    }

    /// No more connections: the client is idle and waiting calls fail.
    private func giveUp(_ error: RealtimeClientError) {
        let waiters = state.withLock { state in
            if !state.isClosed { state.phase = .idle }
            return state.takeWaiters()
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }
}
